// Shared by the benchmarks: CUDA timing with events on Tessel's stream (manual time), the
// byte/FLOP counters Google Benchmark turns into rates, and the usual logits input.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>

#include "engine/ops.h"

#if TESSEL_WITH_CUDA
#include <cuda_runtime.h>

#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/check.h"
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
  cuda::Stream s = cuda::current_stream(0);
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

// Runs `op` (returning a Tensor) on the device and reports `bytes` per call, the floor the op must
// move, as "floor_bytes" and as the bytes/s rate.
template <typename Op>
void run(benchmark::State& st, Device d, double bytes, const Op& op) {
  auto fn = [&] { benchmark::DoNotOptimize(op().data_ptr()); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, bytes);
  st.counters["floor_bytes"] = bytes;
}

}  // namespace tessel::bench
