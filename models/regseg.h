// RegSeg-48 (Gao, "Rethink Dilated Convolution for Real-time Semantic Segmentation", 2021), as
// SuperGradients' RegSeg48: a stride-2 stem, three stages of D-blocks (1x1, grouped 3x3 whose
// channel splits each take their own dilation, squeeze-and-excitation, 1x1) at strides 4, 8 and
// 16, and a decoder that adds stage 3 into stage 2, upsamples and concatenates stage 1, then a
// 3x3 and a 1x1 to the classes at 1/4. RegSeg has no auxiliary head: options.aux is refused.
#pragma once

#include "models/segmentation_model.h"

namespace tessel::models {

std::shared_ptr<SegmentationModel> regseg48(const ModelOptions& options);

}  // namespace tessel::models
