// fn(e) for every e in [0, n), one thread each: for kernels whose element math lives in a
// host-device function of their kernels/X.h (pooling, norm application, dropout).
#pragma once

#include "kernels/cuda/launch.cuh"

namespace tessel::kernels::cuda {

template <typename Fn>
__global__ void each_kernel(int64_t n, Fn fn) {
  TESSEL_GRID_STRIDE(e, n) fn(e);
}

template <typename Fn>
void launch_each(int64_t n, Stream stream, Fn fn) {
  if (n == 0) return;
  each_kernel<<<grid_for(n), kThreads, 0, stream>>>(n, fn);
  TESSEL_CUDA_LAUNCH_CHECK();
}

}  // namespace tessel::kernels::cuda
