// Lite R-ASPP (Howard et al., 2019) on a dilated MobileNetV3-Large, as
// torchvision.models.segmentation.lraspp_mobilenet_v3_large: same modules and state dict names.
#pragma once

#include "models/segmentation_model.h"

namespace tessel::models {

// torchvision's LRASPPHead: the high-level map through conv1x1 - BN - ReLU ("cbr"), gated per
// channel by sigmoid(conv1x1(global mean)) ("scale"), upsampled to the low-level map and
// classified there ("high_classifier"), plus a classifier of the low-level map itself
// ("low_classifier").
class LRASPPHead : public nn::Module {
 public:
  LRASPPHead(int64_t low_channels, int64_t high_channels, int64_t num_classes,
             int64_t inter_channels = 128);
  using Module::forward;
  Tensor forward(const Tensor& low, const Tensor& high);

  std::shared_ptr<nn::Sequential> cbr, scale;
  std::shared_ptr<nn::Conv2d> low_classifier, high_classifier;
};

// "backbone" is MobileNetV3-Large's features (dilated last stage, output stride 16); the head
// reads the last stage-starting block before output stride 8 ("low", features 4) and the last
// entry ("high"). Only "out": torchvision's model has no auxiliary head.
class LRASPP : public SegmentationModel {
 public:
  explicit LRASPP(int64_t num_classes);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"backbone"}; }

  std::shared_ptr<nn::Sequential> backbone;
  std::shared_ptr<LRASPPHead> classifier;
  size_t low_index, high_index;
};

}  // namespace tessel::models
