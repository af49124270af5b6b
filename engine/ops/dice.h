// Soft Dice losses, the edge target, and the Dice + CE + edge loss (SuperGradients'
// DiceCEEdgeLoss), all differentiable in the logits, on CPU and CUDA.
//
// Dice. Over the pixels not ignored, summed over the batch and the image: I_c = sum p_c [y == c],
// P_c = sum p_c, T_c = sum [y == c], p = softmax(logits) over the classes (sigmoid for binary
// Dice, with the float target t in place of [y == c]). No one-hot tensor is built. Then
//   dice_c = (2 I_c + smooth) / max(P_c + T_c + smooth, eps),   loss_c = 1 - dice_c.
// Which classes count in the mean over classes:
//   - a class equal to ignore_index never does (its pixels are all ignored);
//   - a class absent from prediction and target (P_c + T_c == 0) counts with loss 0 when
//     smooth >= eps (it scores exactly 1), and does not count when smooth == 0 (0 / 0);
//   - every other class does.
// The mean is 0 when no class counts (every pixel ignored with smooth 0): never NaN. per_class
// gives [C] of loss_c instead, 0 for a class that does not count.
// SuperGradients' DiceLoss divides by P_c + T_c + smooth + eps: the two differ by a relative
// eps / (P_c + T_c + smooth), 1e-5 with the defaults; theirs never scores an absent class 1.
//
// A label outside [0, C) that is not ignore_index makes the loss and its gradient NaN (as
// cross_entropy does on CUDA), on both backends.
#pragma once

#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace tessel {

struct DiceOptions {
  double smooth = 1.0;
  double eps = 1e-5;
  int64_t ignore_index = -100;  // a label (or, for binary Dice, a target value) left out
  bool per_class = false;
};

// Multi-class soft Dice: logits [N, C, H, W] (floating), labels [N, H, W] (u8, i32 or i64).
Tensor dice_loss(const Tensor& logits, const Tensor& labels, const DiceOptions& options = {});

// Generalised Dice (Sudre et al. 2017): one ratio over all classes, each weighted by the
// inverse square of its target volume, w_c = 1 / T_c^2:
//   loss = 1 - (2 sum_c w_c I_c + smooth) / max(sum_c w_c (P_c + T_c) + smooth, eps).
// A class absent from the target takes the largest weight of the present ones (MONAI's rule:
// predicting it is penalised like missing the rarest class) instead of 1 / 0; ignore_index
// weighs 0; the loss is 0 when no class is present. Weights are constants (labels only). The
// weighted sums are of order 1 / volume, hence the defaults smooth 0 and a tiny eps.
Tensor generalized_dice_loss(const Tensor& logits, const Tensor& labels,
                             const DiceOptions& options = {.smooth = 0,
                                                           .eps = 1e-17,
                                                           .ignore_index = -100,
                                                           .per_class = false});

// log(cosh(dice_loss)): the Dice loss, smoothed near 0 (Jadon 2020); per class when asked.
Tensor log_cosh_dice_loss(const Tensor& logits, const Tensor& labels,
                          const DiceOptions& options = {});

// Binary Dice on sigmoid(logits) against a floating target of the same shape (or logits
// [N, 1, H, W] and target [N, H, W]); pixels whose target equals ignore_index are left out. One
// class, so the rules above with C = 1; per_class is not allowed.
Tensor binary_dice_loss(const Tensor& logits, const Tensor& target,
                        const DiceOptions& options = {});

// w_bce * BCE-with-logits (mean over the pixels not ignored) + w_dice * binary_dice_loss.
Tensor bce_dice_loss(const Tensor& logits, const Tensor& target, double w_bce = 1,
                     double w_dice = 1, const DiceOptions& options = {});

// The Dice loss from stats [3, C] (rows I, P, T) by the rules above; what the losses here
// compute after their kernels, for fused losses that produce the sums themselves.
Tensor dice_loss_from_stats(const Tensor& stats, const DiceOptions& options);

// u8 [N, H, W]: 1 where the k x k window (k odd, clamped to the image) holds a label other than
// the pixel's own; an ignored label is a label like any other (kernels/edge.h), which is why
// there is no ignore_index here.
Tensor edge_mask(const Tensor& labels, int64_t k);

// The fused pass (kernels/dice_ce_edge.h): [3C + 4] of I_c, P_c, T_c, then the CE sum and the
// pixel count over the pixels not ignored, then both again over the edge pixels not ignored
// (edge_kernel 1: no edges). Differentiable in the logits.
Tensor dice_ce_edge_stats(const Tensor& logits, const Tensor& labels, int64_t edge_kernel,
                          int64_t ignore_index);

// Dice + CE + edge. With CE_i the softmax cross-entropy of pixel i and E the edge pixels of
// edge_mask(labels, edge_kernel), over the pixels not ignored (V):
//   ce   = sum_{i in V} CE_i / |V|                  (0 when V is empty)
//   edge = sum_{i in V and E} CE_i / |V and E|      (0 when there is no such pixel)
//   loss = w_ce * ce + w_edge * edge + w_dice * dice_loss(logits, labels, {smooth, eps, ignore})
// In one pass over the logits, and one more for the gradient.
// SuperGradients' DiceCEEdgeLoss computes, per head, l3 * (l1 * ce + l2 * edge) + l4 * dice with
// ce_edge_weights (l1, l2) and dice_ce_weights (l3, l4): w_ce = l3 l1, w_edge = l3 l2,
// w_dice = l4 (the defaults here are theirs). Where it differs: its ce divides by all pixels,
// ignored ones included, and its edge term by all edge pixels, ignored ones included (their CE
// counts as 0), which shrinks both as more is ignored; its edge term is NaN without edge pixels;
// and its Dice denominator (see above).
struct DiceCEEdgeOptions {
  double w_ce = 0.5, w_edge = 0.5, w_dice = 1;
  int64_t edge_kernel = 3;
  int64_t ignore_index = -100;
  double smooth = 1, eps = 1e-5;  // of the Dice term
};
Tensor dice_ce_edge_loss(const Tensor& logits, const Tensor& labels,
                         const DiceCEEdgeOptions& options = {});

// sum_i weight_i * dice_ce_edge_loss(logits_i, labels): the main head and the auxiliary heads,
// each at the labels' resolution.
Tensor dice_ce_edge_loss(const std::vector<std::pair<Tensor, double>>& heads, const Tensor& labels,
                         const DiceCEEdgeOptions& options = {});

// A detail head (one channel, [N, 1, H, W]) against the edge map, as SuperGradients does:
// bce_dice_loss(logits, edge_mask(labels, edge_kernel), w_bce, w_dice) over every pixel (an
// ignored region's border is an edge like any other), with smooth 1 and eps 1e-5.
Tensor detail_edge_loss(const Tensor& logits, const Tensor& labels, int64_t edge_kernel = 3,
                        double w_bce = 1, double w_dice = 1);

}  // namespace tessel
