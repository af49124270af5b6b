// Padding (kernels/pad.h): constant, reflect and replicate, as torch.nn.functional.pad.
#pragma once

#include <vector>
#include "engine/tensor.h"

namespace tessel {

enum class PadMode { Constant, Reflect, Replicate };

// torch.nn.functional.pad: `pads` = (last-dim left, last-dim right, 2nd-last left, ...) for the
// last 1-3 dims. Constant pads may be negative (they crop); reflect needs each pad < its dim.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::Constant,
           double value = 0.0);

}  // namespace tessel
