// Shared by the benchmarks: CUDA timing with events on Tessel's stream (manual time), and the
// byte/FLOP counters Google Benchmark turns into rates.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>

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

}  // namespace tessel::bench
