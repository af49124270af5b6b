// Softmax and log-softmax over one dim of a tensor of any rank (a 0-dim tensor counts as one
// element along dim 0 or -1, as in PyTorch). Floating inputs only; numerically stable.
#pragma once

#include "engine/tensor.h"

namespace tessel {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace tessel
