#include "models/vgg.h"

#include <array>

#include "engine/ops.h"

namespace tessel::models {
namespace {

// Configuration D: 3x3 convolutions per stage, each stage ending in a 2x2 max pool.
constexpr std::array<int64_t, 5> kStageChannels = {64, 128, 256, 512, 512};
constexpr std::array<int64_t, 5> kStageConvs = {2, 2, 3, 3, 3};

}  // namespace

VGG16::VGG16() : Module("VGG") {
  features = register_module("features", std::make_shared<nn::Sequential>());
  int64_t in = 3;
  for (size_t s = 0; s < kStageChannels.size(); ++s) {
    for (int64_t i = 0; i < kStageConvs[s]; ++i) {
      auto conv = features->push_back(std::make_shared<nn::Conv2d>(in, kStageChannels[s], 3, 1, 1));
      // torchvision's VGG.__init__ initialisation.
      nn::init::kaiming_normal_(conv->weight, 0, nn::init::FanMode::FanOut,
                                nn::init::Nonlinearity::ReLU);
      nn::init::zeros_(conv->bias);
      features->push_back(std::make_shared<nn::ReLU>());
      in = kStageChannels[s];
    }
    features->push_back(std::make_shared<nn::MaxPool2d>(2, 2));
  }
}

nn::OrderedDict<Tensor> VGG16::forward_features(const Tensor& x) {
  TESSEL_CHECK(x.dim() == 4 && x.size(1) == 3, "VGG16: input must be [N, 3, H, W], got ",
               shape_str(x.sizes()));
  nn::OrderedDict<Tensor> out;
  Tensor y = x;
  for (const nn::ModulePtr& layer : features->children()) {
    y = layer->forward(y);
    if (layer->as<nn::MaxPool2d>()) out.insert("pool" + std::to_string(out.size() + 1), y);
  }
  return out;
}

int64_t VGG16::out_channels(int stage) {
  TESSEL_CHECK(stage >= 1 && stage <= 5, "VGG16: stage ", stage, " is not in 1..5");
  return kStageChannels[size_t(stage - 1)];
}

}  // namespace tessel::models
