// Fused softmax cross-entropy over pixels (the math is in kernels/cross_entropy_math.h). Logits
// are contiguous [N, K, inner] (inner = H*W, or 1 for [N, K]); labels are contiguous [N, inner]
// of `label_type` (u8, i32 or i64). Per-pixel stats and totals are in S = acc_t<T> (f64 for f64
// logits, f32 otherwise), and so are the class weights.
//
// Two passes over the logits in all, no probabilities stored:
//   forward:  per pixel, lse (saved) and either the loss (reduction none) or a running
//             (sum of losses, sum of w_y) reduced in a fixed order (per-block partials on CUDA,
//             per-chunk on the CPU) into totals[2]: deterministic, no float atomics;
//   backward: per pixel, the logit gradients from the logits, the label and the saved lse.
// The CPU forward throws on a label outside [0, K) that is not ignore_index; CUDA gives NaN
// (cross_entropy_math.h), which a mean or sum then carries.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/cross_entropy_math.h"

namespace tessel::kernels {

struct CeArgs {
  int64_t batch, classes, inner;  // logits [batch, classes, inner]
  int64_t ignore_index;
  double smoothing;
  DType type, label_type;
  const void* logits;
  const void* labels;
  const void* weight;  // [classes] of S, or null
  TESSEL_HD int64_t pixels() const { return batch * inner; }
};

// CeArgs with its types known, as the kernels walk it: pixel p's logits start at x + offset(p).
template <typename T, typename L>
struct CeView {
  using type = T;
  using stat = acc_t<T>;
  const T* x;
  const L* y;
  int64_t inner;
  CeClasses<acc_t<T>> k;
  TESSEL_HD explicit CeView(const CeArgs& a)
      : x(static_cast<const T*>(a.logits)),
        y(static_cast<const L*>(a.labels)),
        inner(a.inner),
        k{a.classes, a.ignore_index, a.smoothing, static_cast<const acc_t<T>*>(a.weight)} {}
  TESSEL_HD int64_t offset(int64_t p) const { return p / inner * k.count * inner + p % inner; }
  TESSEL_HD int64_t label(int64_t p) const { return int64_t(y[p]); }
};

// The gradient reaching the logits: grad_out (T) is one value per pixel or a single scalar;
// `totals` (S[2], from the forward) divides it by their weight sum for a mean, null otherwise.
struct CeGrad {
  const void* grad_out;
  bool per_pixel;
  const void* totals;
};

// The CUDA forward writes one (loss, weight) partial per block into the context's workspace:
// S[2 * this].
inline int64_t ce_partials(int64_t pixels) {
  return std::clamp<int64_t>((pixels + 255) / 256, 1, 2048);
}

// lse: S[pixels]. Without totals (reduction none) loss is T[pixels]; with totals (S[2]) loss is
// T[1]: their sum of losses, over their weight sum when `mean`.
void cross_entropy_forward(const CpuContext&, const CeArgs& a, void* lse, void* loss, void* totals,
                           bool mean);
void cross_entropy_backward(const CpuContext&, const CeArgs& a, const void* lse, const CeGrad& g,
                            void* grad_logits);
void cross_entropy_forward(const CudaContext&, const CeArgs& a, void* lse, void* loss, void* totals,
                           bool mean);
void cross_entropy_backward(const CudaContext&, const CeArgs& a, const void* lse, const CeGrad& g,
                            void* grad_logits);

}  // namespace tessel::kernels
