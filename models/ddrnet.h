// DDRNet (Hong et al., "Deep Dual-resolution Networks for Real-time and Accurate Semantic
// Segmentation of Road Scenes", 2021) as SuperGradients defines DDRNet-23-slim, DDRNet-23 and
// DDRNet-39: a low-resolution branch (a ResNet down to 1/32, then layer5 and DAPPM at 1/64) and a
// high-resolution branch kept at 1/8, exchanging features after stages 3 and 4 (bilateral
// fusion). Module names follow SuperGradients' state dict ("_backbone.layer1.0.conv1.weight").
#pragma once

#include <array>

#include "models/segmentation_model.h"

namespace tessel::models {

struct DDRNetConfig {
  int64_t width;           // of the stem; the low-resolution stages have 1, 2, 4, 8 times it
  int64_t highres_planes;  // of the high-resolution branch
  int64_t head_planes;     // inside the segmentation heads
  // Blocks per stage: layer1..layer4 of the low branch, layer5, layer3_skip, layer4_skip,
  // layer5_skip (SuperGradients' "layers").
  std::array<int64_t, 8> layers;
  int64_t layer3_repeats;  // stage 3 and its fusion, repeated (2 in DDRNet-39)
};

DDRNetConfig ddrnet_23_slim_config();
DDRNetConfig ddrnet_23_config();
DDRNetConfig ddrnet_39_config();

// "out" from the fused 1/8 features; with options.aux "aux" from the high-resolution branch after
// the stage-3 fusion (SuperGradients' seghead_extra). Both bilinear to the input's size.
std::shared_ptr<SegmentationModel> ddrnet(const DDRNetConfig& config, const ModelOptions& options);

}  // namespace tessel::models
