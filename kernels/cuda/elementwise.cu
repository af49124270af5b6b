#include "kernels/cuda/launch.cuh"
#include "kernels/elementwise.h"

namespace tessel::kernels {
namespace {

template <typename T>
struct UnaryFn {
  UnaryOp op;
  UnaryParams q;
  T* o;
  const T* x;
  __device__ void operator()(int64_t, const int64_t* off) const {
    o[off[0]] = T(unary_forward<acc_t<T>>(op, acc_t<T>(x[off[1]]), q));
  }
};

template <typename T>
struct UnaryBackwardFn {
  UnaryOp op;
  UnaryParams q;
  T* gi;
  const T* go;
  const T* x;
  __device__ void operator()(int64_t, const int64_t* off) const {
    using C = acc_t<T>;
    gi[off[0]] = T(unary_backward<C>(op, C(go[off[1]]), C(x[off[2]]), q));
  }
};

template <typename T>
struct BinaryFn {
  BinaryOp op;
  T* o;
  const T* a;
  const T* b;
  __device__ void operator()(int64_t, const int64_t* off) const {
    using C = acc_t<T>;
    o[off[0]] = T(binary_apply<C>(op, C(a[off[1]]), C(b[off[2]])));
  }
};

template <typename T>
struct CompareFn {
  CompareOp op;
  bool* o;
  const T* a;
  const T* b;
  __device__ void operator()(int64_t, const int64_t* off) const {
    using C = acc_t<T>;
    o[off[0]] = compare_apply<C>(op, C(a[off[1]]), C(b[off[2]]));
  }
};

template <typename T>
struct WhereFn {
  T* o;
  const bool* c;
  const T* a;
  const T* b;
  __device__ void operator()(int64_t, const int64_t* off) const {
    o[off[0]] = c[off[1]] ? a[off[2]] : b[off[3]];
  }
};

template <typename Fn>
void dispatch_numeric(DType t, const char* what, Fn&& fn) {
  dispatch_types<float, Half, BFloat16, double, int32_t, int64_t, uint8_t>(t, what, fn);
}

}  // namespace

void unary(const CudaContext& ctx, UnaryOp op, UnaryParams q, const StridedPlan<2>& p, DType type,
           void* out, const void* in) {
  dispatch_cuda_float(type, "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_strided(p, ctx, UnaryFn<T>{op, q, static_cast<T*>(out), static_cast<const T*>(in)});
  });
}

void unary_backward(const CudaContext& ctx, UnaryOp op, UnaryParams q, const StridedPlan<3>& p,
                    DType type, void* grad_in, const void* grad_out, const void* x) {
  dispatch_cuda_float(type, "unary_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_strided(p, ctx,
                   UnaryBackwardFn<T>{op, q, static_cast<T*>(grad_in),
                                      static_cast<const T*>(grad_out), static_cast<const T*>(x)});
  });
}

void binary(const CudaContext& ctx, BinaryOp op, const StridedPlan<3>& p, DType type, void* out,
            const void* a, const void* b) {
  dispatch_numeric(type, "binary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_strided(
        p, ctx,
        BinaryFn<T>{op, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b)});
  });
}

void compare(const CudaContext& ctx, CompareOp op, const StridedPlan<3>& p, DType type, bool* out,
             const void* a, const void* b) {
  dispatch_numeric(type, "compare", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_strided(p, ctx,
                   CompareFn<T>{op, out, static_cast<const T*>(a), static_cast<const T*>(b)});
  });
}

void where(const CudaContext& ctx, const StridedPlan<4>& p, DType type, void* out, const bool* cond,
           const void* a, const void* b) {
  dispatch_all(type, "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_strided(
        p, ctx,
        WhereFn<T>{static_cast<T*>(out), cond, static_cast<const T*>(a), static_cast<const T*>(b)});
  });
}

}  // namespace tessel::kernels
