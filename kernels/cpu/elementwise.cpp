#include "kernels/elementwise.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

// CPU computes in the storage type's accumulation type; f16/bf16 are supported so that a CPU
// tensor of any float dtype works, at no speed promise.
template <typename Fn>
static void dispatch_math(DType t, const char* what, Fn&& fn) {
  dispatch_types<float, double, Half, BFloat16>(t, what, fn);
}
template <typename Fn>
static void dispatch_numeric(DType t, const char* what, Fn&& fn) {
  dispatch_types<float, double, Half, BFloat16, int32_t, int64_t, uint8_t>(t, what, fn);
}

void unary(const CpuContext&, UnaryOp op, UnaryParams q, const StridedPlan<2>& p, DType type,
           void* out, const void* in) {
  dispatch_math(type, "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    with_constant<UnaryOp, kUnaryOps>(op, [&](auto k) {
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        o[off[0]] = T(unary_forward<C>(k.value, C(x[off[1]]), q));
      });
    });
  });
}

void unary_backward(const CpuContext&, UnaryOp op, UnaryParams q, const StridedPlan<3>& p,
                    DType type, void* grad_in, const void* grad_out, const void* x) {
  dispatch_math(type, "unary_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    T* gi = static_cast<T*>(grad_in);
    const T* go = static_cast<const T*>(grad_out);
    const T* xv = static_cast<const T*>(x);
    with_constant<UnaryOp, kUnaryOps>(op, [&](auto k) {
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        gi[off[0]] = T(unary_backward<C>(k.value, C(go[off[1]]), C(xv[off[2]]), q));
      });
    });
  });
}

void binary(const CpuContext&, BinaryOp op, const StridedPlan<3>& p, DType type, void* out,
            const void* a, const void* b) {
  dispatch_numeric(type, "binary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    T* o = static_cast<T*>(out);
    const T* av = static_cast<const T*>(a);
    const T* bv = static_cast<const T*>(b);
    with_constant<BinaryOp, kBinaryOps>(op, [&](auto k) {
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        o[off[0]] = T(binary_apply<C>(k.value, C(av[off[1]]), C(bv[off[2]])));
      });
    });
  });
}

void compare(const CpuContext&, CompareOp op, const StridedPlan<3>& p, DType type, bool* out,
             const void* a, const void* b) {
  dispatch_numeric(type, "compare", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = acc_t<T>;
    const T* av = static_cast<const T*>(a);
    const T* bv = static_cast<const T*>(b);
    parallel_strided(p, [&](int64_t, const int64_t* off) {
      out[off[0]] = compare_apply<C>(op, C(av[off[1]]), C(bv[off[2]]));
    });
  });
}

void where(const CpuContext&, const StridedPlan<4>& p, DType type, void* out, const bool* cond,
           const void* a, const void* b) {
  dispatch_all(type, "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = static_cast<T*>(out);
    const T* av = static_cast<const T*>(a);
    const T* bv = static_cast<const T*>(b);
    parallel_strided(p, [&](int64_t, const int64_t* off) {
      o[off[0]] = cond[off[1]] ? av[off[2]] : bv[off[3]];
    });
  });
}

}  // namespace tessel::kernels
