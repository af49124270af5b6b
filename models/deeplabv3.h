// DeepLabV3 (Chen et al., 2017) on a dilated ResNet, as
// torchvision.models.segmentation.deeplabv3_resnet50/101.
#pragma once

#include <vector>

#include "models/segmentation_model.h"

namespace tessel::models {

// The image-level branch of ASPP: global average, conv1x1 - BN - ReLU, spread back over the map.
class ASPPPooling : public nn::Sequential {
 public:
  ASPPPooling(int64_t in_channels, int64_t out_channels);
  Tensor forward(const Tensor& x) override;
};

// Atrous spatial pyramid pooling: a 1x1 branch, one dilated 3x3 branch per rate and the pooling
// branch ("convs.0" .. "convs.<rates + 1>"), concatenated and projected to out_channels by
// conv1x1 - BN - ReLU - Dropout(0.5) ("project").
class ASPP : public nn::Module {
 public:
  ASPP(int64_t in_channels, const std::vector<int64_t>& atrous_rates, int64_t out_channels = 256);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::ModuleList> convs;
  std::shared_ptr<nn::Sequential> project;
};

// torchvision's DeepLabHead: ASPP (rates 12, 24, 36) - conv3x3 - BN - ReLU - conv1x1.
std::shared_ptr<nn::Sequential> deeplab_head(int64_t in_channels, int64_t num_classes);

// DeepLabV3 on ResNet-`depth`: DeepLabHead on layer4 (the aux head is FCN's, see
// resnet_segmentation_model).
std::shared_ptr<SegmentationModel> deeplabv3(int64_t depth, const ModelOptions& options);

}  // namespace tessel::models
