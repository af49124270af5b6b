#include "kernels/copy.h"
#include "kernels/cuda/launch.cuh"

namespace tessel::kernels {
namespace {

// Functors, not __device__ lambdas: nvcc allows no extended lambda inside the generic lambdas
// of the dtype dispatch.
template <typename D, typename S>
struct CopyFn {
  D* d;
  const S* s;
  __device__ void operator()(int64_t, const int64_t* off) const {
    d[off[0]] = static_cast<D>(static_cast<acc_t<S>>(s[off[1]]));
  }
};

template <typename T>
struct FillFn {
  T* d;
  T v;
  __device__ void operator()(int64_t, const int64_t* off) const { d[off[0]] = v; }
};

template <typename T>
struct ArangeFn {
  T* o;
  double start, step;
  __device__ void operator()(int64_t i) const {
    o[i] = static_cast<T>(static_cast<acc_t<T>>(start + double(i) * step));
  }
};

}  // namespace

void copy(const CudaContext& ctx, const StridedPlan<2>& p, DType dst_type, void* dst,
          DType src_type, const void* src) {
  if (dst_type == src_type && p.contiguous()) {
    TESSEL_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(p.numel) * element_size(dst_type),
                                      cudaMemcpyDeviceToDevice, ctx.stream));
    return;
  }
  dispatch_all(dst_type, "copy", [&](auto dt) {
    using D = typename decltype(dt)::type;
    dispatch_all(src_type, "copy", [&](auto st) {
      using S = typename decltype(st)::type;
      launch_strided(p, ctx, CopyFn<D, S>{static_cast<D*>(dst), static_cast<const S*>(src)});
    });
  });
}

void fill(const CudaContext& ctx, const StridedPlan<1>& p, DType type, void* dst, double value) {
  dispatch_all(type, "fill", [&](auto t) {
    using T = typename decltype(t)::type;
    launch_strided(p, ctx,
                   FillFn<T>{static_cast<T*>(dst), static_cast<T>(static_cast<acc_t<T>>(value))});
  });
}

void arange(const CudaContext& ctx, DType type, void* out, int64_t n, double start, double step) {
  dispatch_all(type, "arange", [&](auto t) {
    using T = typename decltype(t)::type;
    launch_each(n, ctx, ArangeFn<T>{static_cast<T*>(out), start, step});
  });
}

}  // namespace tessel::kernels
