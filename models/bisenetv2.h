// BiSeNetV2 (Yu et al., "BiSeNet V2: Bilateral Network with Guided Aggregation for Real-time
// Semantic Segmentation", 2021), as mmsegmentation's BiSeNetV2 backbone and its config
// configs/_base_/models/bisenetv2.py, with mmseg's module names: a detail branch (wide, shallow,
// stride 8), a semantic branch (a stem, gather-and-expansion layers, a context embedding block;
// stride 32), the bilateral guided aggregation layer fusing both, an FCNHead with 1024 channels
// on it ("decode_head") and, with options.aux, an FCNHead on each semantic stage
// ("auxiliary_head.0" .. "3": the paper's booster) returned as "aux1" .. "aux4". Every output is
// upsampled bilinearly to the input's size (any size: both branches halve it alike).
#pragma once

#include "models/segmentation_model.h"

namespace tessel::models {

std::shared_ptr<SegmentationModel> bisenetv2(const ModelOptions& options);

}  // namespace tessel::models
