// Warp- and block-level building blocks for kernels that give each row (or line) to one warp: the
// xor butterfly leaves the result in every lane, in an order fixed by the lane ids, so results are
// deterministic without atomics.
#pragma once

#include "kernels/cuda/launch.cuh"

namespace tessel::kernels {

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

// Sums each v[j] over the block (blockDim.x a multiple of 32, at most 1024); every thread gets
// the totals. The tree has a fixed shape, so the result does not vary between runs.
template <int N, typename A>
__device__ void block_sum(A (&v)[N]) {
  __shared__ A partial[N][32];
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  for (int j = 0; j < N; ++j) {
    for (int s = 16; s > 0; s /= 2) v[j] += __shfl_xor_sync(0xffffffffu, v[j], s);
    if (lane == 0) partial[j][warp] = v[j];
  }
  __syncthreads();
  for (int j = 0; j < N; ++j) {
    v[j] = 0;
    for (int w = 0; w < int(blockDim.x / 32); ++w) v[j] += partial[j][w];
  }
  __syncthreads();  // `partial` is reused by the next call
}

// fn(row, lane) for the rows of [0, rows) this thread's warp owns; launch with
// grid_for(ctx, rows * kWarp) threads. Every lane of a warp visits the same rows, so shuffles
// inside fn see the full warp.
template <typename Fn>
__device__ void for_each_warp_row(int64_t rows, Fn fn) {
  int64_t warp = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  int64_t warps = int64_t(gridDim.x) * blockDim.x / kWarp;
  int lane = int(threadIdx.x % kWarp);
  for (int64_t r = warp; r < rows; r += warps) fn(r, lane);
}

}  // namespace tessel::kernels
