// Binary cross-entropy with logits; gradients flow to the logits and to a floating target.
// No kernels: composed of elementwise ops, whose rules give the gradients.
#pragma once

#include "engine/ops/reduce.h"
#include "engine/tensor.h"

namespace tessel {

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

}  // namespace tessel
