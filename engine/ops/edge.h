// The edge target of the edge losses (kernels/edge.h).
#pragma once

#include "engine/tensor.h"

namespace tessel {

// u8 [N, H, W]: 1 where the k x k window (k odd, clamped to the image) holds a label other than
// the pixel's own; an ignored label is a label like any other (kernels/edge.h), which is why
// there is no ignore_index here.
Tensor edge_mask(const Tensor& labels, int64_t k);

}  // namespace tessel
