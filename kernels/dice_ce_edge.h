// The fused pass of the Dice + CE + edge loss (and of multi-class soft Dice, which is this pass
// with a 1 x 1 edge window). One read of logits [N, C, H, W] and labels [N, H, W] gives, per
// pixel, the softmax cross-entropy (kernels/cross_entropy_math.h), the edge flag (kernels/edge.h)
// and the pixel's share of the Dice sums (kernels/dice.h), summed into a row of partials:
//   [0, C)        I_c  intersection, sum p_c * [y == c]
//   [C, 2C)       P_c  prediction sum, sum p_c
//   [2C, 3C)      T_c  target sum, sum [y == c]
//   3C            sum of CE over the pixels not ignored
//   3C + 1        how many pixels are not ignored
//   3C + 2        sum of CE over the edge pixels not ignored
//   3C + 3        how many edge pixels are not ignored
// An ignored pixel (label == ignore_index) adds nothing; a label outside [0, C) that is not
// ignored adds NaN to every sum (the CE math's rule: CUDA reports it without a host sync).
// The backward pass reads the gradients of those sums (the counts and T_c have none) and writes
// dL/dx in one more pass, recomputing the log-sum-exp and the edge flag rather than storing them.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/cross_entropy_math.h"
#include "kernels/dice.h"
#include "kernels/edge.h"

namespace tessel::kernels {

struct SegPass {
  int64_t n, classes, height, width;
  int64_t ignore_index;
  int64_t edge_kernel;  // odd; 1 turns the edge term off
  DType type, labels_type;

  TESSEL_HD int64_t pixels() const { return n * height * width; }
  TESSEL_HD int64_t width_of_stats() const { return 3 * classes + 4; }
  TESSEL_HD CeClasses<float> ce() const { return {classes, ignore_index, 0.0, nullptr}; }
};

// What the pass knows of pixel q (q over N * H * W): its logits (C values H * W apart), label,
// CE and edge flag. `counts` is the pixel's weight in the means: 1, 0 when ignored, NaN for a
// label out of range.
template <typename Cm, typename T, typename L>
struct SegPixel {
  const T* x;
  int64_t y;
  Cm lse, ce, counts;
  bool edge;

  TESSEL_HD SegPixel(const SegPass& a, const T* logits, const L* labels, int64_t q) {
    int64_t plane = a.height * a.width, img = q / plane, at = q % plane;
    x = logits + img * a.classes * plane + at;
    y = int64_t(labels[q]);
    CePixel<Cm> c = ce_forward_pixel<Cm>(x, plane, y, a.ce());
    lse = c.loss == c.loss ? c.lse : Cm(NAN);
    ce = c.loss, counts = c.weight;
    edge = a.edge_kernel > 1 && is_edge(labels + img * plane, a.height, a.width, at / a.width,
                                        at % a.width, a.edge_kernel);
  }
  TESSEL_HD bool ignored(const SegPass& a) const { return y == a.ignore_index; }
  // Whether the pixel is in class c's target.
  TESSEL_HD bool is(const SegPass& a, int64_t c) const { return c == y && !ignored(a); }
  // p_c as it enters the Dice sums: 0 when ignored, NaN for a bad label (lse is NaN then).
  TESSEL_HD Cm prob(const SegPass& a, int64_t c) const {
    using std::exp;
    return ignored(a) ? Cm(0) : exp(Cm(acc_t<T>(x[c * a.height * a.width])) - lse);
  }
};

// The pixel's logit gradients. d_i, d_p: dL/dI_c and dL/dP_c; g_ce, g_edge: the gradients of the
// two CE sums. With q_c = d_i[c] * [c == y] + d_p[c] (dL/dp_c), the softmax gives
//   dL/dx_c = p_c * (q_c - sum_k p_k q_k) + CE's gradient scaled by g_ce + edge * g_edge.
template <typename Cm, typename T, typename L>
TESSEL_HD void seg_backward_pixel(const SegPass& a, const T* logits, const L* labels, T* dx,
                                  int64_t q, const Cm* d_i, const Cm* d_p, Cm g_ce, Cm g_edge) {
  SegPixel<Cm, T, L> px(a, logits, labels, q);
  int64_t stride = a.height * a.width;
  T* out = dx + (px.x - logits);
  if (px.ignored(a)) {
    for (int64_t c = 0; c < a.classes; ++c) out[c * stride] = T(acc_t<T>(0));
    return;
  }
  bool valid = px.y >= 0 && px.y < a.classes;
  Cm mean_q = valid ? px.prob(a, px.y) * d_i[px.y] : Cm(NAN);
  for (int64_t c = 0; c < a.classes; ++c) mean_q += px.prob(a, c) * d_p[c];
  CeGradTerms<Cm> ce = ce_grad_terms(px.y, g_ce + (px.edge ? g_edge : Cm(0)), a.ce());
  for (int64_t c = 0; c < a.classes; ++c) {
    Cm xc = Cm(acc_t<T>(px.x[c * stride])), p = px.prob(a, c);
    Cm qc = (c == px.y ? d_i[c] : Cm(0)) + d_p[c];
    out[c * stride] = T(acc_t<T>(p * (qc - mean_q) + ce.at(xc, px.lse, Cm(1), c == px.y)));
  }
}

// partials [stat_rows(pixels), 3C + 4] in param_t of a.type.
void seg_pass(const CpuContext&, const SegPass& a, const void* logits, const void* labels,
              void* partials);
// grad_stats [3C + 4] in param_t of a.type; dx like the logits.
void seg_pass_backward(const CpuContext&, const SegPass& a, const void* logits, const void* labels,
                       const void* grad_stats, void* dx);
void seg_pass(const CudaContext&, const SegPass& a, const void* logits, const void* labels,
              void* partials);
void seg_pass_backward(const CudaContext&, const SegPass& a, const void* logits, const void* labels,
                       const void* grad_stats, void* dx);

}  // namespace tessel::kernels
