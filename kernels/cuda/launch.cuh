// Shared by every .cu: grid sizing, the grid-stride loop, and the launch check.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "core/context.h"
#include "core/cuda_check.h"
#include "core/dtype.h"
#include "kernels/common/strided.h"

namespace tessel::kernels {

inline constexpr int kThreads = 256;

// Enough blocks to fill the device's SMs a few times over; the grid-stride loop does the rest.
inline unsigned grid_for(const CudaContext& ctx, int64_t n, int threads = kThreads) {
  int64_t blocks = (n + threads - 1) / threads;
  return unsigned(std::clamp<int64_t>(blocks, 1, int64_t(ctx.sm_count) * 32));
}

// A grid of exactly `blocks` blocks (one per row, chunk or group): checked against the x
// dimension's limit instead of narrowed silently.
inline unsigned grid_blocks(int64_t blocks, const char* what) {
  TESSEL_CHECK(blocks >= 1 && blocks <= int64_t(INT32_MAX), what, ": ", blocks,
               " blocks do not fit in a CUDA grid (at most 2^31 - 1)");
  return unsigned(blocks);
}

#define TESSEL_GRID_STRIDE(i, n)                                            \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += int64_t(blockDim.x) * gridDim.x)

// Applies fn(i, off) to every element of a strided plan, like cpu::parallel_strided; I is the
// index type of the offset arithmetic (StridedPlan::offsets).
template <int N, typename I, typename Fn>
__global__ void strided_kernel(StridedPlan<N> p, Fn fn) {
  TESSEL_GRID_STRIDE(i, p.numel) {
    int64_t off[N];
    if (p.contiguous()) {
      for (int k = 0; k < N; ++k) off[k] = i;
    } else {
      p.template offsets<I>(i, off);
    }
    fn(i, off);
  }
}

template <int N, typename Fn>
void launch_strided(const StridedPlan<N>& p, const CudaContext& ctx, Fn fn) {
  if (p.numel == 0) return;
  if (p.fits_32bit())
    strided_kernel<N, uint32_t><<<grid_for(ctx, p.numel), kThreads, 0, ctx.stream>>>(p, fn);
  else
    strided_kernel<N, int64_t><<<grid_for(ctx, p.numel), kThreads, 0, ctx.stream>>>(p, fn);
  TESSEL_CUDA_LAUNCH_CHECK();
}

// fn(e) for every e in [0, n), one thread each: for kernels whose element math lives in a
// host-device function of their kernels/X.h (pooling, norm application, dropout, fills).
template <typename Fn>
__global__ void each_kernel(int64_t n, Fn fn) {
  TESSEL_GRID_STRIDE(e, n) fn(e);
}

template <typename Fn>
void launch_each(int64_t n, const CudaContext& ctx, Fn fn) {
  if (n == 0) return;
  each_kernel<<<grid_for(ctx, n), kThreads, 0, ctx.stream>>>(n, fn);
  TESSEL_CUDA_LAUNCH_CHECK();
}

// dtype dispatch for device kernels: the 16-bit types and f32 (f64 where a test needs it).
template <typename Fn>
decltype(auto) dispatch_cuda_float(DType t, const char* what, Fn&& fn) {
  return dispatch_types<float, Half, BFloat16, double>(t, what, std::forward<Fn>(fn));
}

}  // namespace tessel::kernels
