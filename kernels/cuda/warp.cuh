// Warp-level building blocks for kernels that give each row (or line) to one warp: the xor
// butterfly leaves the result in every lane, in an order fixed by the lane ids, so results are
// deterministic without atomics.
#pragma once

#include "kernels/cuda/launch.cuh"

namespace tessel::kernels::cuda {

inline constexpr int kWarp = 32;

template <typename A>
__device__ A warp_sum(A v) {
  for (int s = kWarp / 2; s > 0; s /= 2) v += __shfl_xor_sync(0xffffffffu, v, s);
  return v;
}

template <typename A>
__device__ A warp_max(A v) {
  for (int s = kWarp / 2; s > 0; s /= 2) {
    A o = __shfl_xor_sync(0xffffffffu, v, s);
    v = o > v ? o : v;
  }
  return v;
}

// fn(row, lane) for the rows of [0, rows) this thread's warp owns; launch with
// grid_for(rows * kWarp) threads. Every lane of a warp visits the same rows, so shuffles inside
// fn see the full warp.
template <typename Fn>
__device__ void for_each_warp_row(int64_t rows, Fn fn) {
  int64_t warp = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  int64_t warps = int64_t(gridDim.x) * blockDim.x / kWarp;
  int lane = int(threadIdx.x % kWarp);
  for (int64_t r = warp; r < rows; r += warps) fn(r, lane);
}

}  // namespace tessel::kernels::cuda
