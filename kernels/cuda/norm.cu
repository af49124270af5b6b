#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/warp.cuh"
#include "kernels/norm.h"

namespace tessel::kernels {
namespace {

// One block per group, two passes over it (mean, then squared deviations).
template <typename T>
__global__ void moments_kernel(int64_t size, Groups gr, const T* x, param_t<T>* mean,
                               param_t<T>* var) {
  using P = param_t<T>;
  int64_t g = blockIdx.x;
  P v[1] = {0};
  for (int64_t k = threadIdx.x; k < size; k += blockDim.x) v[0] += P(acc_t<T>(x[gr.element(g, k)]));
  block_sum(v);
  P m = v[0] / P(size);
  v[0] = 0;
  for (int64_t k = threadIdx.x; k < size; k += blockDim.x) {
    P d = P(acc_t<T>(x[gr.element(g, k)])) - m;
    v[0] += d * d;
  }
  block_sum(v);
  if (threadIdx.x == 0) mean[g] = m, var[g] = v[0] / P(size);
}

template <typename T>
__global__ void grad_sums_kernel(NormArgs a, Groups over, const T* dy, param_t<T>* sum_wdy,
                                 param_t<T>* sum_wdy_xhat) {
  using P = param_t<T>;
  int64_t g = blockIdx.x, size = a.numel / over.count;
  P v[2] = {0, 0};
  for (int64_t k = threadIdx.x; k < size; k += blockDim.x) {
    int64_t i = over.element(g, k);
    P w = weight_at<T>(a, i) * P(acc_t<T>(dy[i]));
    v[0] += w;
    v[1] += w * xhat_at<T>(a, i);
  }
  block_sum(v);
  if (threadIdx.x == 0) sum_wdy[g] = v[0], sum_wdy_xhat[g] = v[1];
}

template <typename T>
struct ForwardFn {
  NormArgs a;
  T* y;
  __device__ void operator()(int64_t i) const { y[i] = norm_forward_at<T>(a, i); }
};

template <typename T>
struct BackwardFn {
  NormArgs a;
  const T* dy;
  const param_t<T>* mean_wdy;
  const param_t<T>* mean_wdy_xhat;
  T* dx;
  __device__ void operator()(int64_t i) const {
    dx[i] = norm_backward_at<T>(a, dy, mean_wdy, mean_wdy_xhat, i);
  }
};

}  // namespace

void group_moments(const CudaContext& ctx, DType type, int64_t numel, Groups gr, const void* x,
                   void* mean, void* var) {
  if (numel == 0) return;
  dispatch_cuda_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using P = param_t<T>;
    moments_kernel<T><<<unsigned(gr.count), kThreads, 0, ctx.stream>>>(
        numel / gr.count, gr, static_cast<const T*>(x), static_cast<P*>(mean),
        static_cast<P*>(var));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void norm_forward(const CudaContext& ctx, DType type, const NormArgs& a, void* y) {
  dispatch_cuda_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(a.numel, ctx, ForwardFn<T>{a, static_cast<T*>(y)});
  });
}

void norm_grad_sums(const CudaContext& ctx, DType type, const NormArgs& a, Groups over,
                    const void* dy, void* sum_wdy, void* sum_wdy_xhat) {
  if (a.numel == 0) return;
  dispatch_cuda_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using P = param_t<T>;
    grad_sums_kernel<T><<<unsigned(over.count), kThreads, 0, ctx.stream>>>(
        a, over, static_cast<const T*>(dy), static_cast<P*>(sum_wdy),
        static_cast<P*>(sum_wdy_xhat));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void norm_backward(const CudaContext& ctx, DType type, const NormArgs& a, const void* dy,
                   const void* mean_wdy, const void* mean_wdy_xhat, void* dx) {
  dispatch_cuda_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using P = param_t<T>;
    launch_each(a.numel, ctx,
                BackwardFn<T>{a, static_cast<const T*>(dy), static_cast<const P*>(mean_wdy),
                              static_cast<const P*>(mean_wdy_xhat), static_cast<T*>(dx)});
  });
}

}  // namespace tessel::kernels
