// Soft Dice statistics. A Dice loss depends on its predictions only through three sums per class
// c over the pixels not ignored: the intersection I_c = sum p_c * [y == c], the prediction sum
// P_c = sum p_c and the target sum T_c = sum [y == c]; the kernels compute those sums in one pass
// and the backward kernels take dL/dI_c and dL/dP_c back to the logits in one more:
//   dL/dp_c = dL/dI_c * [y == c] + dL/dP_c  at every pixel not ignored, 0 at the others.
// What a loss makes of the sums (smoothing, the mean over classes, weights) is a few ops on [C]
// values in engine/ops/dice.cpp, so every variant shares these kernels.
//
// Deterministic: the pixels are cut into fixed rows (stat_rows); each row sums into its own
// slot of a [rows, width] partials array (a CUDA block per row, a fixed tree inside it) and the
// op adds the rows in order. Partials are in param_t<T> (f64 for f64 inputs, else f32).
//
// Binary Dice (this file) works on the sigmoid of one logit per pixel against a floating target
// t in [0, 1]: I = sum s * t, P = sum s, T = sum t, with width 3; a pixel whose target equals
// ignore_value is left out of all three. Multi-class Dice over the softmax is the fused pass of
// kernels/dice_ce_edge.h with its edge window off: one kernel to tune, not two.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/norm.h"  // param_t

namespace tessel::kernels {

inline constexpr int64_t kRowPixels = 8192;
inline constexpr int64_t kMaxRows = 1024;

// How many rows of partials a pass over `pixels` writes, and the pixels of row r.
inline int64_t stat_rows(int64_t pixels) {
  int64_t rows = (pixels + kRowPixels - 1) / kRowPixels;
  return rows < 1 ? 1 : (rows > kMaxRows ? kMaxRows : rows);
}
struct RowRange {
  int64_t begin, end;
};
TESSEL_HD RowRange row_range(int64_t pixels, int64_t rows, int64_t r) {
  int64_t per = (pixels + rows - 1) / rows, b = r * per, e = b + per;
  return {b < pixels ? b : pixels, e < pixels ? e : pixels};
}

template <typename C>
TESSEL_HD C sigmoid_of(C x) {
  using std::exp;
  return C(1) / (C(1) + exp(-x));
}

// The binary pixel: its sigmoid, target and whether it counts.
template <typename C, typename T>
struct BinaryPixel {
  C s, t;
  bool counts;
  TESSEL_HD BinaryPixel(const T* x, const T* target, double ignore_value, int64_t i)
      : s(sigmoid_of(C(acc_t<T>(x[i])))),
        t(C(acc_t<T>(target[i]))),
        counts(double(t) != ignore_value) {}
  // dL/dx from dL/dI and dL/dP: the sigmoid's derivative s * (1 - s) times dL/ds.
  TESSEL_HD C grad(C d_i, C d_p) const { return counts ? s * (C(1) - s) * (d_i * t + d_p) : C(0); }
};

// partials [stat_rows(numel), 3]; x and target of dtype `type`, numel elements each.
void binary_dice_stats(const CpuContext&, DType type, const void* x, const void* target,
                       double ignore_value, int64_t numel, void* partials);
// dx from grad_stats [3] (dL/dI, dL/dP, dL/dT; the last is unused: T has no logits in it).
void binary_dice_backward(const CpuContext&, DType type, const void* x, const void* target,
                          double ignore_value, int64_t numel, const void* grad_stats, void* dx);
void binary_dice_stats(const CudaContext&, DType type, const void* x, const void* target,
                       double ignore_value, int64_t numel, void* partials);
void binary_dice_backward(const CudaContext&, DType type, const void* x, const void* target,
                          double ignore_value, int64_t numel, const void* grad_stats, void* dx);

}  // namespace tessel::kernels
