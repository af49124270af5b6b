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

}  // namespace tessel
