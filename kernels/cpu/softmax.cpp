#include "kernels/softmax.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// fn(offset of the line's first element) for every line, in parallel. Double compute: the CPU
// is the reference the other backends are checked against.
template <typename Fn>
void for_each_line(int64_t outer, int64_t dim, int64_t inner, const Fn& fn) {
  parallel_for(outer * inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(dim, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t l = b; l < e; ++l) fn(l / inner * dim * inner + l % inner);
               });
}

}  // namespace

void softmax(const CpuContext&, SoftmaxKind kind, DType type, void* out, const void* in,
             int64_t outer, int64_t dim, int64_t inner) {
  dispatch_float(type, softmax_name(kind), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* y = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    for_each_line(outer, dim, inner, [&](int64_t at) {
      softmax_line<double>(kind, y + at, x + at, inner, dim, SerialGroup{});
    });
  });
}

void softmax_backward(const CpuContext&, SoftmaxKind kind, DType type, void* grad_in,
                      const void* grad_out, const void* out, int64_t outer, int64_t dim,
                      int64_t inner) {
  dispatch_float(type, softmax_name(kind), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dx = static_cast<T*>(grad_in);
    const T* dy = static_cast<const T*>(grad_out);
    const T* y = static_cast<const T*>(out);
    for_each_line(outer, dim, inner, [&](int64_t at) {
      softmax_backward_line<double>(kind, dx + at, dy + at, y + at, inner, dim, SerialGroup{});
    });
  });
}

}  // namespace tessel::kernels
