#include "kernels/cuda/launch.cuh"
#include "kernels/pool.h"

namespace tessel::kernels {
namespace {

// One thread per output (forward) or input (backward) element; the gathers only read.
template <typename T>
struct MaxPoolFn {
  Pool2d p;
  T* out;
  int64_t* argmax;
  const T* in;
  __device__ void operator()(int64_t e) const {
    out[e] = T(max_pool_at<T, acc_t<T>>(p, in, e, argmax + e));
  }
};

template <typename T>
struct MaxPoolGradFn {
  Pool2d p;
  T* grad_in;
  const T* grad_out;
  const int64_t* argmax;
  __device__ void operator()(int64_t e) const {
    grad_in[e] = T(max_pool_grad_at<T, acc_t<T>>(p, grad_out, argmax, e));
  }
};

template <typename T>
struct AvgPoolFn {
  PoolKind kind;
  Pool2d p;
  T* out;
  const T* in;
  __device__ void operator()(int64_t e) const {
    out[e] = T(kind == PoolKind::Avg ? avg_pool_at<T, acc_t<T>>(p, in, e)
                                     : adaptive_avg_pool_at<T, acc_t<T>>(p, in, e));
  }
};

template <typename T>
struct AvgPoolGradFn {
  PoolKind kind;
  Pool2d p;
  T* grad_in;
  const T* grad_out;
  __device__ void operator()(int64_t e) const {
    grad_in[e] = T(kind == PoolKind::Avg ? avg_pool_grad_at<T, acc_t<T>>(p, grad_out, e)
                                         : adaptive_avg_pool_grad_at<T, acc_t<T>>(p, grad_out, e));
  }
};

template <typename T>
struct MaxUnpoolFn {
  Pool2d p;
  T* out;
  const T* in;
  const int64_t* indices;
  __device__ void operator()(int64_t e) const {
    out[e] = T(max_unpool_at<T, acc_t<T>>(p, in, indices, e));
  }
};

template <typename T>
struct MaxUnpoolGradFn {
  Pool2d p;
  T* grad_in;
  const T* grad_out;
  const int64_t* indices;
  __device__ void operator()(int64_t e) const {
    grad_in[e] = T(max_unpool_grad_at<T, acc_t<T>>(p, grad_out, indices, e));
  }
};

}  // namespace

void max_pool2d(const CudaContext& ctx, const Pool2d& p, DType type, void* out, int64_t* argmax,
                const void* in) {
  dispatch_cuda_float(type, "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(p.planes * p.out_h * p.out_w, ctx,
                MaxPoolFn<T>{p, static_cast<T*>(out), argmax, static_cast<const T*>(in)});
  });
}

void max_pool2d_backward(const CudaContext& ctx, const Pool2d& p, DType type, void* grad_in,
                         const void* grad_out, const int64_t* argmax) {
  dispatch_cuda_float(type, "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(
        p.planes * p.in_h * p.in_w, ctx,
        MaxPoolGradFn<T>{p, static_cast<T*>(grad_in), static_cast<const T*>(grad_out), argmax});
  });
}

void avg_pool2d(const CudaContext& ctx, PoolKind kind, const Pool2d& p, DType type, void* out,
                const void* in) {
  dispatch_cuda_float(type, "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(p.planes * p.out_h * p.out_w, ctx,
                AvgPoolFn<T>{kind, p, static_cast<T*>(out), static_cast<const T*>(in)});
  });
}

void avg_pool2d_backward(const CudaContext& ctx, PoolKind kind, const Pool2d& p, DType type,
                         void* grad_in, const void* grad_out) {
  dispatch_cuda_float(type, "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(
        p.planes * p.in_h * p.in_w, ctx,
        AvgPoolGradFn<T>{kind, p, static_cast<T*>(grad_in), static_cast<const T*>(grad_out)});
  });
}

void max_unpool2d(const CudaContext& ctx, const Pool2d& p, DType type, void* out, const void* in,
                  const int64_t* indices) {
  dispatch_cuda_float(type, "max_unpool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(p.planes * p.in_h * p.in_w, ctx,
                MaxUnpoolFn<T>{p, static_cast<T*>(out), static_cast<const T*>(in), indices});
  });
}

void max_unpool2d_backward(const CudaContext& ctx, const Pool2d& p, DType type, void* grad_in,
                           const void* grad_out, const int64_t* indices) {
  dispatch_cuda_float(type, "max_unpool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(
        p.planes * p.out_h * p.out_w, ctx,
        MaxUnpoolGradFn<T>{p, static_cast<T*>(grad_in), static_cast<const T*>(grad_out), indices});
  });
}

}  // namespace tessel::kernels
