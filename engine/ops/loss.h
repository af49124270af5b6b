// Classification losses for segmentation: softmax cross-entropy (fused, kernels/cross_entropy.h),
// binary cross-entropy with logits and sigmoid focal loss. The loss has the logits' dtype;
// gradients flow to the logits (and, for the sigmoid losses, to a floating target).
#pragma once

#include "engine/tensor.h"

namespace tessel {

enum class Reduction { None, Mean, Sum };

struct CrossEntropyOptions {
  int64_t ignore_index = -100;
  Tensor weight;  // [C] class weights, or undefined for all 1
  double label_smoothing = 0;
  Reduction reduction = Reduction::Mean;
};

// PyTorch's F.cross_entropy over class indices. logits [N, C, d...] (or [N, C]), labels
// [N, d...] of u8, i32 or i64. Per pixel, with eps the smoothing and w the weights:
//   loss_i = (1 - eps) * w[y_i] * -logp_i[y_i] + eps / C * sum_c w[c] * -logp_i[c],
// 0 where y_i == ignore_index; None gives loss_i ([N, d...]), Sum their sum, and Mean their sum
// over sum of w[y_i] over the pixels not ignored (NaN when every pixel is ignored, as in PyTorch).
// With label_smoothing > 0, Mean and no weights every term is over the pixels not ignored, as in
// PyTorch 1.13 (checked by the fixture); PyTorch 1.10-1.11 divided the smoothing term by all
// pixels, ignored ones included.
// A label outside [0, C) that is not ignore_index: an error on the CPU that names the label; on
// CUDA (which would need a host sync to raise it) the loss and its gradient become NaN.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels,
                     const CrossEntropyOptions& options = {});

struct BceOptions {
  Tensor weight;      // broadcast to the input
  Tensor pos_weight;  // weight of the positive term, broadcast to the input (e.g. [C, 1, 1])
  Reduction reduction = Reduction::Mean;
};

// PyTorch's F.binary_cross_entropy_with_logits, computed through log-sigmoid so no exp
// overflows: loss = -w * (pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))).
// target has the input's shape; an integer target (a 0/1 mask) is taken as floating.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BceOptions& options = {});

struct FocalOptions {
  double alpha = 0.25;  // weight of the positives (1 - alpha for negatives); < 0 turns it off
  double gamma = 2;
  Reduction reduction = Reduction::None;  // torchvision's default
};

// torchvision.ops.sigmoid_focal_loss for binary and multi-label targets (same shape as logits):
//   loss = alpha_t * (1 - p_t)^gamma * bce_with_logits(x, t),  p = sigmoid(x),
//   p_t = p * t + (1 - p) * (1 - t),  alpha_t = alpha * t + (1 - alpha) * (1 - t).
Tensor focal_loss(const Tensor& logits, const Tensor& target, const FocalOptions& options = {});

}  // namespace tessel
