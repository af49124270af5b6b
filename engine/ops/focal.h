// Sigmoid focal loss (torchvision); gradients flow to the logits and to a floating target.
// No kernels: composed of elementwise ops and binary_cross_entropy_with_logits.
#pragma once

#include "engine/ops/reduce.h"
#include "engine/tensor.h"

namespace tessel {

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
