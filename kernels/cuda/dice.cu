#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/warp.cuh"
#include "kernels/dice.h"

namespace tessel::kernels {
namespace {

// A block per row of partials: threads stride over the row's pixels, then one block_sum.
template <typename T>
__global__ void binary_stats_kernel(const T* x, const T* target, double ignore_value, int64_t numel,
                                    param_t<T>* partials) {
  using P = param_t<T>;
  RowRange range = row_range(numel, gridDim.x, blockIdx.x);
  P v[3] = {0, 0, 0};
  for (int64_t i = range.begin + threadIdx.x; i < range.end; i += blockDim.x) {
    BinaryPixel<acc_t<T>, T> p(x, target, ignore_value, i);
    if (!p.counts) continue;
    v[0] += P(p.s * p.t), v[1] += P(p.s), v[2] += P(p.t);
  }
  block_sum(v);
  if (threadIdx.x < 3) partials[blockIdx.x * 3 + threadIdx.x] = v[threadIdx.x];
}

template <typename T>
struct BinaryBackwardFn {
  const T* x;
  const T* target;
  double ignore_value;
  const param_t<T>* g;
  T* dx;
  __device__ void operator()(int64_t i) const {
    using C = acc_t<T>;
    BinaryPixel<C, T> p(x, target, ignore_value, i);
    dx[i] = T(p.grad(C(g[0]), C(g[1])));
  }
};

}  // namespace

void binary_dice_stats(const CudaContext& ctx, DType type, const void* x, const void* target,
                       double ignore_value, int64_t numel, void* partials) {
  dispatch_cuda_float(type, "binary_dice", [&](auto tag) {
    using T = typename decltype(tag)::type;
    binary_stats_kernel<T><<<grid_blocks(stat_rows(numel), "dice"), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(target), ignore_value, numel,
        static_cast<param_t<T>*>(partials));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void binary_dice_backward(const CudaContext& ctx, DType type, const void* x, const void* target,
                          double ignore_value, int64_t numel, const void* grad_stats, void* dx) {
  dispatch_cuda_float(type, "binary_dice backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(
        numel, ctx,
        BinaryBackwardFn<T>{static_cast<const T*>(x), static_cast<const T*>(target), ignore_value,
                            static_cast<const param_t<T>*>(grad_stats), static_cast<T*>(dx)});
  });
}

}  // namespace tessel::kernels
