// MobileNetV3-Large and -Small (Howard et al., 2019) as
// torchvision.models.mobilenet_v3_large/small: the same modules, names, shapes and initialisation,
// so torchvision's weights load unchanged. As a segmentation backbone (torchvision's dilated=True)
// the last stage keeps the resolution of the one before and dilates its depthwise convolutions
// (output stride 16).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/nn.h"

namespace tessel::models {

// One bottleneck of the architecture table (torchvision's InvertedResidualConfig).
struct InvertedResidualConfig {
  int64_t input_channels, kernel, expanded_channels, out_channels;
  bool use_se, use_hardswish;  // else ReLU
  int64_t stride, dilation;
};

// Squeeze-and-excitation (torchvision.ops.SqueezeExcitation with a hard sigmoid): the input scaled
// per channel by hardsigmoid(fc2(relu(fc1(mean over the map)))). Children avgpool, fc1, fc2,
// activation, scale_activation.
class SqueezeExcitation : public nn::Module {
 public:
  SqueezeExcitation(int64_t channels, int64_t squeeze_channels);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Conv2d> fc1, fc2;
  std::shared_ptr<nn::Module> activation, scale_activation;
};

// Expand 1x1 (when the width changes), depthwise kxk (strided or dilated), SE, project 1x1 without
// activation ("block.0" ..), plus the input when the shape allows.
class InvertedResidual : public nn::Module {
 public:
  explicit InvertedResidual(const InvertedResidualConfig& c);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Sequential> block;
  bool use_res_connect;
  bool is_strided;  // torchvision's _is_cn: this block starts a new stage (C1 .. C4)
  int64_t out_channels;
};

class MobileNetV3 : public nn::Module {
 public:
  // arch: "large" or "small". num_classes > 0 adds the ImageNet classifier ("avgpool",
  // "classifier"); 0 gives the backbone ("features") only.
  MobileNetV3(const std::string& arch, bool dilated, int64_t num_classes = 0);
  // Class logits [N, num_classes]; needs num_classes > 0.
  Tensor forward(const Tensor& x) override;

  // "features.0" is the stem (conv 3x3 s2 - BN - hardswish), then one InvertedResidual per row of
  // the table, then conv 1x1 (6x widening) - BN - hardswish.
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;  // with num_classes > 0
  std::shared_ptr<nn::Sequential> classifier;
  // Per entry of features: its output channels, and whether it starts a stage (the stem and the
  // strided blocks), which is how torchvision's LR-ASPP picks its taps.
  std::vector<int64_t> feature_channels;
  std::vector<bool> starts_stage;
};

}  // namespace tessel::models
