#include "models/mobilenetv3.h"

#include "engine/ops.h"

namespace tessel::models {
namespace {

// torchvision's _make_divisible(v, 8): the nearest multiple of 8, never 10% below v.
int64_t make_divisible(int64_t v) {
  int64_t rounded = std::max<int64_t>(8, (v + 4) / 8 * 8);
  return rounded * 10 < v * 9 ? rounded + 8 : rounded;
}

enum class Act { None, ReLU, Hardswish };

// torchvision's Conv2dNormActivation with MobileNetV3's BatchNorm (eps 1e-3, momentum 0.01).
std::shared_ptr<nn::Sequential> conv_norm_act(int64_t in, int64_t out, int64_t kernel, Act act,
                                              int64_t stride = 1, int64_t dilation = 1,
                                              int64_t groups = 1) {
  auto seq = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::Conv2d>(in, out, kernel, stride, (kernel - 1) / 2 * dilation, dilation,
                                   groups, false),
      std::make_shared<nn::BatchNorm2d>(out, 1e-3, 0.01)});
  if (act == Act::ReLU) seq->push_back(std::make_shared<nn::ReLU>());
  if (act == Act::Hardswish) seq->push_back(std::make_shared<nn::Hardswish>());
  return seq;
}

// torchvision's _mobilenet_v3_conf without width multiplier or reduced tail; `dilation` applies to
// the last stage.
std::vector<InvertedResidualConfig> architecture(const std::string& arch, int64_t dilation) {
  using C = InvertedResidualConfig;
  const bool RE = false, HS = true;
  if (arch == "large")
    return {C{16, 3, 16, 16, false, RE, 1, 1},          C{16, 3, 64, 24, false, RE, 2, 1},
            C{24, 3, 72, 24, false, RE, 1, 1},          C{24, 5, 72, 40, true, RE, 2, 1},
            C{40, 5, 120, 40, true, RE, 1, 1},          C{40, 5, 120, 40, true, RE, 1, 1},
            C{40, 3, 240, 80, false, HS, 2, 1},         C{80, 3, 200, 80, false, HS, 1, 1},
            C{80, 3, 184, 80, false, HS, 1, 1},         C{80, 3, 184, 80, false, HS, 1, 1},
            C{80, 3, 480, 112, true, HS, 1, 1},         C{112, 3, 672, 112, true, HS, 1, 1},
            C{112, 5, 672, 160, true, HS, 2, dilation}, C{160, 5, 960, 160, true, HS, 1, dilation},
            C{160, 5, 960, 160, true, HS, 1, dilation}};
  TESSEL_CHECK(arch == "small", "MobileNetV3: arch '", arch, "' is not 'large' or 'small'");
  return {C{16, 3, 16, 16, true, RE, 2, 1},         C{16, 3, 72, 24, false, RE, 2, 1},
          C{24, 3, 88, 24, false, RE, 1, 1},        C{24, 5, 96, 40, true, HS, 2, 1},
          C{40, 5, 240, 40, true, HS, 1, 1},        C{40, 5, 240, 40, true, HS, 1, 1},
          C{40, 5, 120, 48, true, HS, 1, 1},        C{48, 5, 144, 48, true, HS, 1, 1},
          C{48, 5, 288, 96, true, HS, 2, dilation}, C{96, 5, 576, 96, true, HS, 1, dilation},
          C{96, 5, 576, 96, true, HS, 1, dilation}};
}

}  // namespace

SqueezeExcitation::SqueezeExcitation(int64_t channels, int64_t squeeze_channels)
    : Module("SqueezeExcitation") {
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  fc1 = register_module("fc1", std::make_shared<nn::Conv2d>(channels, squeeze_channels, 1));
  fc2 = register_module("fc2", std::make_shared<nn::Conv2d>(squeeze_channels, channels, 1));
  activation = register_module("activation", std::make_shared<nn::ReLU>());
  scale_activation = register_module("scale_activation", std::make_shared<nn::Hardsigmoid>());
}

Tensor SqueezeExcitation::forward(const Tensor& x) {
  Tensor scale = fc2->forward(activation->forward(fc1->forward(avgpool->forward(x))));
  return scale_activation->forward(scale) * x;
}

InvertedResidual::InvertedResidual(const InvertedResidualConfig& c)
    : Module("InvertedResidual"),
      use_res_connect(c.stride == 1 && c.input_channels == c.out_channels),
      is_strided(c.stride > 1),
      out_channels(c.out_channels) {
  Act act = c.use_hardswish ? Act::Hardswish : Act::ReLU;
  block = register_module("block", std::make_shared<nn::Sequential>());
  if (c.expanded_channels != c.input_channels)
    block->push_back(conv_norm_act(c.input_channels, c.expanded_channels, 1, act));
  // A dilated block keeps the resolution: dilation replaces its stride.
  block->push_back(conv_norm_act(c.expanded_channels, c.expanded_channels, c.kernel, act,
                                 c.dilation > 1 ? 1 : c.stride, c.dilation, c.expanded_channels));
  if (c.use_se)
    block->push_back(std::make_shared<SqueezeExcitation>(c.expanded_channels,
                                                         make_divisible(c.expanded_channels / 4)));
  block->push_back(conv_norm_act(c.expanded_channels, c.out_channels, 1, Act::None));
}

Tensor InvertedResidual::forward(const Tensor& x) {
  Tensor y = block->forward(x);
  return use_res_connect ? y + x : y;
}

MobileNetV3::MobileNetV3(const std::string& arch, bool dilated, int64_t num_classes)
    : Module("MobileNetV3") {
  std::vector<InvertedResidualConfig> table = architecture(arch, dilated ? 2 : 1);
  features = register_module("features", std::make_shared<nn::Sequential>());
  features->push_back(conv_norm_act(3, table[0].input_channels, 3, Act::Hardswish, 2));
  feature_channels = {table[0].input_channels};
  starts_stage = {true};
  for (const InvertedResidualConfig& c : table) {
    auto block = features->push_back(std::make_shared<InvertedResidual>(c));
    feature_channels.push_back(c.out_channels);
    starts_stage.push_back(block->is_strided);
  }
  int64_t last = 6 * table.back().out_channels;
  features->push_back(conv_norm_act(table.back().out_channels, last, 1, Act::Hardswish));
  feature_channels.push_back(last);
  starts_stage.push_back(true);
  if (num_classes > 0) {
    int64_t hidden = arch == "large" ? 1280 : 1024;
    avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
    classifier = register_module(
        "classifier", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                          std::make_shared<nn::Linear>(last, hidden),
                          std::make_shared<nn::Hardswish>(), std::make_shared<nn::Dropout>(0.2),
                          std::make_shared<nn::Linear>(hidden, num_classes)}));
  }
  // torchvision's initialisation; BatchNorm's (ones, zeros) stay.
  apply([](nn::Module& m) {
    if (auto* conv = m.as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0, nn::init::FanMode::FanOut);
      if (conv->bias.defined()) nn::init::zeros_(conv->bias);
    } else if (auto* linear = m.as<nn::Linear>()) {
      nn::init::normal_(linear->weight, 0, 0.01);
      nn::init::zeros_(linear->bias);
    }
  });
}

Tensor MobileNetV3::forward(const Tensor& x) {
  TESSEL_CHECK(classifier != nullptr,
               "MobileNetV3: built as a backbone (num_classes 0); call features instead");
  return classifier->forward(avgpool->forward(features->forward(x)).flatten(1));
}

}  // namespace tessel::models
