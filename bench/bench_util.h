// Shared by the benchmarks: CUDA timing with events on Tessel's stream (manual time), the
// byte/FLOP counters Google Benchmark turns into rates, the usual inputs (logits, labels) and
// the floors most benches report.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <utility>

#include "engine/ops.h"

#if TESSEL_WITH_CUDA
#include <cuda_runtime.h>

#include "core/cuda_check.h"
#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/context.h"
#endif

namespace tessel::bench {

inline bool has_cuda(benchmark::State& st) {
  if (cuda::is_available()) return true;
  st.SkipWithError("no CUDA device");
  return false;
}

// Times fn on the device with events, one iteration per benchmark iteration, after a warm-up.
inline void run_cuda(benchmark::State& st, const std::function<void()>& fn) {
#if TESSEL_WITH_CUDA
  Stream s = cuda::current_stream(0);
  for (int i = 0; i < 3; ++i) fn();
  cudaEvent_t start, stop;
  TESSEL_CUDA_CHECK(cudaEventCreate(&start));
  TESSEL_CUDA_CHECK(cudaEventCreate(&stop));
  for (auto _ : st) {
    TESSEL_CUDA_CHECK(cudaEventRecord(start, s));
    fn();
    TESSEL_CUDA_CHECK(cudaEventRecord(stop, s));
    TESSEL_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    TESSEL_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    st.SetIterationTime(double(ms) / 1e3);
  }
  TESSEL_CUDA_CHECK(cudaEventDestroy(start));
  TESSEL_CUDA_CHECK(cudaEventDestroy(stop));
  auto stats = cuda::memory_stats(0);
  st.counters["peak_MB"] = double(stats.peak_allocated) / 1e6;
#else
  (void)fn;
  st.SkipWithError("built without CUDA");
#endif
}

inline void run_cpu(benchmark::State& st, const std::function<void()>& fn) {
  fn();  // warm-up: first-touch page faults stay out of the numbers
  for (auto _ : st) fn();
}

// Bytes and FLOPs moved per iteration, reported as rates.
inline void set_rates(benchmark::State& st, double bytes, double flops = 0) {
  st.counters["bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1024);
  if (flops > 0)
    st.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
}

// Seeded [n, 19, hw, hw] logits (Cityscapes' 19 classes), the input most layer benchmarks share.
inline Tensor logits(Device d, DType t, int64_t n, int64_t hw) {
  Generator g(1);
  return randn({n, 19, hw, hw}, {t, d}, &g);
}

// Seeded [n, hw, hw] labels in [0, 19) of an integer dtype.
inline Tensor labels(Device d, DType t, int64_t n, int64_t hw, uint64_t seed = 2) {
  Generator g(seed);
  return randint(0, 19, {n, hw, hw}, {t, d}, &g);
}

// Seeded [n, 1, hw, hw] logits requiring grad and a 0/1 target of their dtype, the inputs of the
// binary losses.
inline std::pair<Tensor, Tensor> binary_logits(Device d, DType t, int64_t n, int64_t hw) {
  Generator g(1);
  Tensor x = randn({n, 1, hw, hw}, {t, d}, &g).requires_grad_();
  return {x, randint(0, 2, {n, 1, hw, hw}, {t, d}, &g)};
}

inline double nbytes(const Tensor& t) {
  return double(t.numel()) * double(t.element_size());
}

// Times fn on the device and reports `bytes` per call, the floor it must move, as "floor_bytes"
// and as the bytes/s rate.
inline void run_fn(benchmark::State& st, Device d, double bytes, const std::function<void()>& fn) {
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, bytes);
  st.counters["floor_bytes"] = bytes;
}

// run_fn for an op that returns a Tensor.
template <typename Op>
void run(benchmark::State& st, Device d, double bytes, const Op& op) {
  run_fn(st, d, bytes, [&] { benchmark::DoNotOptimize(op().data_ptr()); });
}

// A loss's forward and backward into x (its gradient cleared first). The floor the loss benches
// report: the forward reads x and the target once, the backward reads them again and writes x's
// gradient, 2 * (x + target) + x.
template <typename Loss>
void run_loss(benchmark::State& st, Device d, Tensor& x, const Tensor& target, const Loss& loss) {
  run_fn(st, d, 2 * (nbytes(x) + nbytes(target)) + nbytes(x), [&] {
    x.set_grad(Tensor());
    loss().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr());
  });
}

}  // namespace tessel::bench
