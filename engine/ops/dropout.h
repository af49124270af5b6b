// Dropout with the seeded Philox generator (default_generator() when none is given): the same
// generator state draws the same mask on the CPU and CUDA. Kept elements are scaled by 1 / (1 - p).
// In eval mode, or with p = 0, the input itself is returned.
#pragma once

#include "engine/ops/random.h"
#include "engine/tensor.h"

namespace tessel {

// Zeroes each element with probability p.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);
// x: (N, C, H, W); zeroes each whole channel plane with probability p.
Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace tessel
