// Counting kernels on CUDA (confusion matrix, boundary IoU). Each block counts into private 64-bit
// counters in shared memory, a warp adding its lanes' equal bins with one shared atomic
// (__match_any_sync: segmentation labels are imbalanced, so most of a warp often shares a bin),
// and merges them into the global int64 counts with one atomic per non-zero bin. When the counters
// do not fit the device's opt-in shared memory (8 bytes a bin: a confusion matrix of more than
// about 165 classes on an H100), warps add straight into the global counts instead. Integer
// atomics commute, so either way the counts are the same on every run.
#pragma once

#include "kernels/common/warp32.h"
#include "kernels/cuda/shared_memory.cuh"
#include "kernels/cuda/warp.cuh"

namespace tessel::kernels {

using Counter = unsigned long long;  // the 64-bit integer atomicAdd takes

// The counters a block adds into: `bins` zeroed shared counters, or the global ones.
__device__ inline Counter* block_counters(Counter* global, int64_t bins, bool shared) {
  extern __shared__ Counter block_hist[];
  if (!shared) return global;
  for (int64_t j = threadIdx.x; j < bins; j += blockDim.x) block_hist[j] = 0;
  __syncthreads();
  return block_hist;
}

__device__ inline void flush_counters(const Counter* hist, Counter* global, int64_t bins,
                                      bool shared) {
  if (!shared) return;
  __syncthreads();
  for (int64_t j = threadIdx.x; j < bins; j += blockDim.x)
    if (hist[j]) atomicAdd(global + j, hist[j]);
}

// Adds one to `bin` (nothing when it is negative) for every lane; the whole warp must call. The
// lowest lane of each group of equal bins adds the group's size (tests/kernels/warp32_test.cpp
// runs the same rule on the host).
__device__ inline void warp_count(Counter* hist, int64_t bin) {
  unsigned peers = __match_any_sync(0xffffffffu, bin);
  if (bin >= 0 && int(threadIdx.x % kWarp) == lowest_lane(peers))
    atomicAdd(hist + bin, Counter(__popc(peers)));
}

// fn(i) for this thread's items of [0, n) in steps that keep a warp's lanes together, so fn may
// call warp_count; i may pass n in a warp's last step and fn must check it.
template <typename Fn>
__device__ void for_each_warp_item(int64_t n, Fn fn) {
  int lane = int(threadIdx.x % kWarp);
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t base = int64_t(blockIdx.x) * blockDim.x + threadIdx.x - lane; base < n;
       base += stride)
    fn(base + lane);
}

struct CountLaunch {
  unsigned blocks;
  size_t smem;
  bool shared;
};

// Shared counters when they fit; as many blocks as the SMs hold at once (each merge costs `bins`
// atomics), but no more than the items need.
template <typename Kernel>
CountLaunch plan_counts(Kernel* kernel, int64_t bins, int64_t items) {
  int dev = 0, sms = 0, per_sm = 0;
  TESSEL_CUDA_CHECK(cudaGetDevice(&dev));
  TESSEL_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  SharedBudget budget = shared_budget(kernel, dev, size_t(bins) * sizeof(Counter));
  const bool shared = budget.fits();
  if (!shared) budget.dynamic_bytes = 0;
  const size_t smem = budget.dynamic_bytes;
  allow_dynamic_shared(kernel, budget);
  TESSEL_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, smem));
  int64_t blocks =
      std::min<int64_t>(int64_t(sms) * std::max(per_sm, 1), (items + kThreads - 1) / kThreads);
  return {unsigned(std::max<int64_t>(blocks, 1)), smem, shared};
}

}  // namespace tessel::kernels
