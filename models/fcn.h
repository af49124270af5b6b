// FCN (Long et al.) on a dilated ResNet, as torchvision.models.segmentation.fcn_resnet50/101.
#pragma once

#include <functional>
#include <string>

#include "models/segmentation_model.h"

namespace tessel::models {

// torchvision's FCNHead: conv3x3 (in -> in / 4) - BN - ReLU - Dropout(0.1) - conv1x1 (-> channels),
// children "0" .. "4".
std::shared_ptr<nn::Sequential> fcn_head(int64_t in_channels, int64_t channels);

// torchvision's recipe for FCN and DeepLabV3: a dilated ResNet-`depth`, `head(channels,
// num_classes)` on layer4 as "classifier", and with options.aux an FCNHead on layer3 as
// "aux_classifier".
using HeadBuilder = std::function<nn::ModulePtr(int64_t in_channels, int64_t num_classes)>;
std::shared_ptr<SegmentationModel> resnet_segmentation_model(std::string type_name, int64_t depth,
                                                             const ModelOptions& options,
                                                             const HeadBuilder& head);

// FCN on ResNet-`depth`: FCNHead on layer4.
std::shared_ptr<SegmentationModel> fcn(int64_t depth, const ModelOptions& options);

}  // namespace tessel::models
