#include "models/lraspp.h"

#include "engine/ops.h"
#include "models/mobilenetv3.h"

namespace tessel::models {

LRASPPHead::LRASPPHead(int64_t low_channels, int64_t high_channels, int64_t num_classes,
                       int64_t inter_channels)
    : Module("LRASPPHead") {
  cbr = register_module(
      "cbr", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                 std::make_shared<nn::Conv2d>(high_channels, inter_channels, 1, 1, 0, 1, 1, false),
                 std::make_shared<nn::BatchNorm2d>(inter_channels), std::make_shared<nn::ReLU>()}));
  scale = register_module(
      "scale",
      std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
          std::make_shared<nn::AdaptiveAvgPool2d>(1),
          std::make_shared<nn::Conv2d>(high_channels, inter_channels, 1, 1, 0, 1, 1, false),
          std::make_shared<nn::Sigmoid>()}));
  low_classifier =
      register_module("low_classifier", std::make_shared<nn::Conv2d>(low_channels, num_classes, 1));
  high_classifier = register_module("high_classifier",
                                    std::make_shared<nn::Conv2d>(inter_channels, num_classes, 1));
}

Tensor LRASPPHead::forward(const Tensor& low, const Tensor& high) {
  Tensor x = cbr->forward(high) * scale->forward(high);
  x = upsample_bilinear(x, {.size = Size2{low.size(2), low.size(3)}});
  return low_classifier->forward(low) + high_classifier->forward(x);
}

LRASPP::LRASPP(int64_t num_classes) : SegmentationModel("LRASPP") {
  MobileNetV3 net("large", /*dilated=*/true);
  // torchvision's _lraspp_mobilenetv3: the stage starts, and the fourth from the end ("C2",
  // output stride 8) as the low-level tap.
  std::vector<size_t> stage_starts;
  for (size_t i = 0; i < net.starts_stage.size(); ++i)
    if (net.starts_stage[i]) stage_starts.push_back(i);
  low_index = stage_starts[stage_starts.size() - 4];
  high_index = stage_starts.back();
  backbone = register_module("backbone", net.features);
  classifier = register_module(
      "classifier", std::make_shared<LRASPPHead>(net.feature_channels[low_index],
                                                 net.feature_channels[high_index], num_classes));
}

Outputs LRASPP::forward_outputs(const Tensor& x) {
  TESSEL_CHECK(x.dim() == 4, "LRASPP: input must be [N, C, H, W], got ", shape_str(x.sizes()));
  Tensor y = x, low;
  for (size_t i = 0; i <= high_index; ++i) {
    y = (*backbone)[i]->forward(y);
    if (i == low_index) low = y;
  }
  Outputs outputs;
  outputs.insert(
      "out", upsample_bilinear(classifier->forward(low, y), {.size = Size2{x.size(2), x.size(3)}}));
  return outputs;
}

}  // namespace tessel::models
