// The per-pixel math of softmax cross-entropy, shared by the CPU and CUDA kernels of
// kernels/cross_entropy.h and by fused losses that add a CE term (Dice + CE + edge). A pixel's
// logits are `count` values `stride` apart (stride = H*W in NCHW, 1 for [N, C]). C is the compute
// type (f64 on the CPU reference, f32 on CUDA for every input type), W the class-weight type.
//
// With eps the label smoothing, K the class count, w_c the class weights (1 without weights),
// lse = log(sum_c exp(x_c)), p_c = exp(x_c - lse) and y the label:
//   loss    = (1 - eps) * w_y * (lse - x_y) + eps / K * sum_c w_c * (lse - x_c)
//   d/dx_c  = p_c * ((1 - eps) * w_y + eps / K * sum_c w_c) - (1 - eps) * w_y * [c == y]
//             - eps / K * w_c
// The pixel's share of a mean's denominator is w_y. An ignored pixel (y == ignore_index) has
// loss, weight and gradient 0. A label outside [0, K) that is not ignored makes all three NaN:
// kernels that cannot raise an error (CUDA) report it that way, without a host sync.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/dtype.h"

namespace tessel::kernels {

// The class side of the loss: how many, which label is ignored, smoothing and weights.
template <typename W>
struct CeClasses {
  int64_t count;
  int64_t ignore_index;
  double smoothing;
  const W* weight;  // [count]; null means every class weighs 1

  TESSEL_HD bool ignored(int64_t y) const { return y == ignore_index; }
  TESSEL_HD bool valid(int64_t y) const { return y >= 0 && y < count; }
  template <typename Cm>
  TESSEL_HD Cm weight_of(int64_t c) const {
    return weight ? Cm(weight[c]) : Cm(1);
  }
  template <typename Cm>
  TESSEL_HD Cm weight_sum() const {
    if (!weight) return Cm(count);
    Cm s = 0;
    for (int64_t c = 0; c < count; ++c) s += Cm(weight[c]);
    return s;
  }
};

template <typename Cm>
struct CePixel {
  Cm lse;     // saved for the backward: p_c = exp(x_c - lse)
  Cm loss;    // 0 when ignored
  Cm weight;  // w_y: the pixel's share of the mean's denominator; 0 when ignored
};

// One pass over a pixel's logits: the running max and sum of exp (rescaled when the max grows),
// x_y, and for smoothing sum_c w_c * (x_c - x_0); shifting by x_0 keeps that sum small when all
// logits share a large offset, where sum_w * lse - sum_c w_c * x_c would cancel.
template <typename Cm, typename T, typename W>
TESSEL_HD CePixel<Cm> ce_forward_pixel(const T* x, int64_t stride, int64_t y,
                                       const CeClasses<W>& k) {
  using std::exp;
  using std::log;
  bool smooth = k.smoothing > 0;
  Cm m = -Cm(INFINITY), s = 0, x0 = Cm(acc_t<T>(x[0])), xy = 0, wdx = 0;
  for (int64_t c = 0; c < k.count; ++c) {
    Cm v = Cm(acc_t<T>(x[c * stride]));
    if (v > m) {
      s = s * exp(m - v) + Cm(1);
      m = v;
    } else {
      s += exp(v - m);  // a NaN logit lands here and spreads to the loss, as in PyTorch
    }
    if (c == y) xy = v;
    if (smooth) wdx += k.template weight_of<Cm>(c) * (v - x0);
  }
  Cm log_s = log(s), lse = m + log_s;
  if (k.ignored(y)) return {lse, Cm(0), Cm(0)};
  if (!k.valid(y)) return {lse, Cm(NAN), Cm(NAN)};
  Cm eps = Cm(k.smoothing), wy = k.template weight_of<Cm>(y);
  Cm loss = (Cm(1) - eps) * wy * ((m - xy) + log_s);  // m - x_y first: exact near the max
  if (smooth) loss += eps / Cm(k.count) * (k.template weight_sum<Cm>() * ((m - x0) + log_s) - wdx);
  return {lse, loss, wy};
}

// The pixel constants of the gradient: d/dx_c = p_c * a - [c == y] * b - e * w_c.
template <typename Cm>
struct CeGradTerms {
  Cm a, b, e;
  TESSEL_HD Cm at(Cm x_c, Cm lse, Cm w_c, bool is_label) const {
    using std::exp;
    return exp(x_c - lse) * a - (is_label ? b : Cm(0)) - e * w_c;
  }
};

// Terms for label y, already multiplied by `scale` (the output gradient, over the mean's
// denominator); all zero for an ignored pixel, NaN for an invalid label.
template <typename Cm, typename W>
TESSEL_HD CeGradTerms<Cm> ce_grad_terms(int64_t y, Cm scale, const CeClasses<W>& k) {
  if (k.ignored(y)) return {Cm(0), Cm(0), Cm(0)};
  if (!k.valid(y)) return {Cm(NAN), Cm(NAN), Cm(NAN)};
  Cm eps = Cm(k.smoothing), b = (Cm(1) - eps) * k.template weight_of<Cm>(y) * scale;
  Cm e = eps / Cm(k.count) * scale;
  return {b + (eps > 0 ? e * k.template weight_sum<Cm>() : Cm(0)), b, e};
}

// Writes the pixel's logit gradients dx (same stride as x), given its saved lse.
template <typename Cm, typename T, typename W>
TESSEL_HD void ce_backward_pixel(T* dx, const T* x, int64_t stride, int64_t y, Cm lse, Cm scale,
                                 const CeClasses<W>& k) {
  CeGradTerms<Cm> g = ce_grad_terms(y, scale, k);
  for (int64_t c = 0; c < k.count; ++c)
    dx[c * stride] =
        T(acc_t<T>(g.at(Cm(acc_t<T>(x[c * stride])), lse, k.template weight_of<Cm>(c), c == y)));
}

}  // namespace tessel::kernels
