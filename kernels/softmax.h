// Softmax and log-softmax over the middle axis of a contiguous [outer, dim, inner] layout: a
// contiguous tensor is that layout for any of its dims, so no permute copy is needed. A line is
// the `dim` elements of one (outer, inner) pair, `inner` apart.
//
// The forward subtracts the line's max before exp (no overflow). The backward kernels take the
// forward output y and the output gradient g, one pass for a sum and one to write:
//   softmax:      dx = y * (g - sum(g * y))
//   log_softmax:  dx = g - exp(y) * sum(g)
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

enum class SoftmaxKind : int { Softmax, LogSoftmax };

inline const char* softmax_name(SoftmaxKind kind) {
  return kind == SoftmaxKind::Softmax ? "softmax" : "log_softmax";
}

// A line walked by one thread alone: the CPU, and CUDA when lines are strided (inner > 1).
// The CUDA warp version strides by 32 and reduces through shuffles.
struct SerialGroup {
  int64_t first = 0, step = 1;
  template <typename C>
  TESSEL_HD C max(C v) const {
    return v;
  }
  template <typename C>
  TESSEL_HD C sum(C v) const {
    return v;
  }
};

// The line math, written once for every backend; C is the compute type, g the thread group
// sharing the line (each member visits elements first, first + step, ...).
template <typename C, typename T, typename Group>
TESSEL_HD void softmax_line(SoftmaxKind kind, T* y, const T* x, int64_t stride, int64_t n,
                            const Group& g) {
  using std::exp;
  using std::log;
  C m = -C(INFINITY);
  for (int64_t i = g.first; i < n; i += g.step) m = C(x[i * stride]) > m ? C(x[i * stride]) : m;
  m = g.max(m);
  C s = 0;  // a NaN anywhere lands here and spreads to the whole line, as in PyTorch
  for (int64_t i = g.first; i < n; i += g.step) s += exp(C(x[i * stride]) - m);
  s = g.sum(s);
  if (kind == SoftmaxKind::Softmax) {
    C inv = C(1) / s;
    for (int64_t i = g.first; i < n; i += g.step)
      y[i * stride] = T(exp(C(x[i * stride]) - m) * inv);
  } else {
    C log_s = log(s);  // x - m first: exact for x near m, where m + log(s) would round
    for (int64_t i = g.first; i < n; i += g.step) y[i * stride] = T(C(x[i * stride]) - m - log_s);
  }
}

template <typename C, typename T, typename Group>
TESSEL_HD void softmax_backward_line(SoftmaxKind kind, T* dx, const T* dy, const T* y,
                                     int64_t stride, int64_t n, const Group& g) {
  using std::exp;
  bool soft = kind == SoftmaxKind::Softmax;
  C s = 0;
  for (int64_t i = g.first; i < n; i += g.step)
    s += soft ? C(dy[i * stride]) * C(y[i * stride]) : C(dy[i * stride]);
  s = g.sum(s);
  for (int64_t i = g.first; i < n; i += g.step) {
    C gi = C(dy[i * stride]), yi = C(y[i * stride]);
    dx[i * stride] = T(soft ? yi * (gi - s) : gi - exp(yi) * s);
  }
}

void softmax(const CpuContext&, SoftmaxKind kind, DType type, void* out, const void* in,
             int64_t outer, int64_t dim, int64_t inner);
void softmax_backward(const CpuContext&, SoftmaxKind kind, DType type, void* grad_in,
                      const void* grad_out, const void* out, int64_t outer, int64_t dim,
                      int64_t inner);
void softmax(const CudaContext&, SoftmaxKind kind, DType type, void* out, const void* in,
             int64_t outer, int64_t dim, int64_t inner);
void softmax_backward(const CudaContext&, SoftmaxKind kind, DType type, void* grad_in,
                      const void* grad_out, const void* out, int64_t outer, int64_t dim,
                      int64_t inner);

}  // namespace tessel::kernels
