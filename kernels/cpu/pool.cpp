#include "kernels/pool.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels::cpu {
namespace {

// fn(tag, e) for every element e of `n`, in parallel; the math accumulates in double so the CPU
// stays the reference.
template <typename Fn>
void for_each_element(DType type, const char* what, int64_t n, int64_t work, const Fn& fn) {
  dispatch_float(type, what, [&](auto tag) {
    parallel_for(n, std::max<int64_t>(1, kGrain / std::max<int64_t>(work, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t i = b; i < e; ++i) fn(tag, i);
                 });
  });
}

}  // namespace

void max_pool2d(const Pool2d& p, DType type, void* out, int64_t* argmax, const void* in) {
  for_each_element(type, "max_pool2d", p.planes * p.out_h * p.out_w, p.kh * p.kw,
                   [&](auto tag, int64_t e) {
                     using T = typename decltype(tag)::type;
                     static_cast<T*>(out)[e] =
                         T(max_pool_at<T, double>(p, static_cast<const T*>(in), e, argmax + e));
                   });
}

void max_pool2d_backward(const Pool2d& p, DType type, void* grad_in, const void* grad_out,
                         const int64_t* argmax) {
  for_each_element(
      type, "max_pool2d_backward", p.planes * p.in_h * p.in_w, 4, [&](auto tag, int64_t e) {
        using T = typename decltype(tag)::type;
        static_cast<T*>(grad_in)[e] =
            T(max_pool_grad_at<T, double>(p, static_cast<const T*>(grad_out), argmax, e));
      });
}

void avg_pool2d(PoolKind kind, const Pool2d& p, DType type, void* out, const void* in) {
  for_each_element(type, "avg_pool2d", p.planes * p.out_h * p.out_w, p.kh * p.kw,
                   [&](auto tag, int64_t e) {
                     using T = typename decltype(tag)::type;
                     const T* x = static_cast<const T*>(in);
                     static_cast<T*>(out)[e] =
                         T(kind == PoolKind::Avg ? avg_pool_at<T, double>(p, x, e)
                                                 : adaptive_avg_pool_at<T, double>(p, x, e));
                   });
}

void avg_pool2d_backward(PoolKind kind, const Pool2d& p, DType type, void* grad_in,
                         const void* grad_out) {
  for_each_element(type, "avg_pool2d_backward", p.planes * p.in_h * p.in_w, 4,
                   [&](auto tag, int64_t e) {
                     using T = typename decltype(tag)::type;
                     const T* g = static_cast<const T*>(grad_out);
                     static_cast<T*>(grad_in)[e] =
                         T(kind == PoolKind::Avg ? avg_pool_grad_at<T, double>(p, g, e)
                                                 : adaptive_avg_pool_grad_at<T, double>(p, g, e));
                   });
}

}  // namespace tessel::kernels::cpu
