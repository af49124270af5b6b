#include "models/pan.h"

#include "engine/ops.h"
#include "models/blocks.h"

namespace tessel::models {
namespace {

constexpr int64_t kChannels = 32;  // SMP's decoder_channels

using Named = std::vector<std::pair<std::string, nn::ModulePtr>>;

// SMP's PAN ConvBnRelu: "conv" (with a bias, as SMP's) and "bn", then ReLU unless told not to.
std::shared_ptr<nn::Sequential> conv_bn_relu(int64_t in, int64_t out, int64_t kernel,
                                             bool relu = true) {
  Named parts = {{"conv", std::make_shared<nn::Conv2d>(in, out, kernel, 1, kernel / 2)},
                 {"bn", std::make_shared<nn::BatchNorm2d>(out)}};
  if (relu) parts.push_back({"activation", std::make_shared<nn::ReLU>()});
  return std::make_shared<nn::Sequential>(parts);
}

std::shared_ptr<nn::MaxPool2d> halve() {
  return std::make_shared<nn::MaxPool2d>(2, 2);
}

}  // namespace

PANResNet::PANResNet(int64_t depth, const ModelOptions& options)
    : SmpResNet("PANResNet" + std::to_string(depth), "pan_resnet" + std::to_string(depth), options,
                depth, /*output_stride=*/16) {
  const int64_t deepest = encoder->out_channels(4);
  branch1 =
      sequential({std::make_shared<nn::AdaptiveAvgPool2d>(1), conv_bn_relu(deepest, kChannels, 1)});
  mid = sequential({conv_bn_relu(deepest, kChannels, 1)});
  down1 = sequential({halve(), conv_bn_relu(deepest, 1, 7)});
  down2 = sequential({halve(), conv_bn_relu(1, 1, 5)});
  down3 = sequential({halve(), conv_bn_relu(1, 1, 3), conv_bn_relu(1, 1, 3)});
  conv2 = conv_bn_relu(1, 1, 5);
  conv1 = conv_bn_relu(1, 1, 7);
  Named decoder = {{"fpa", group({{"branch1", branch1},
                                  {"mid", mid},
                                  {"down1", down1},
                                  {"down2", down2},
                                  {"down3", down3},
                                  {"conv2", conv2},
                                  {"conv1", conv1}})}};
  for (int stage = 3; stage >= 1; --stage) {
    gau_attention.push_back(sequential({std::make_shared<nn::AdaptiveAvgPool2d>(1),
                                        conv_bn_relu(kChannels, kChannels, 1, false),
                                        std::make_shared<nn::Sigmoid>()}));
    gau_projection.push_back(conv_bn_relu(encoder->out_channels(stage), kChannels, 3));
    decoder.push_back({"gau" + std::to_string(stage),
                       group({{"conv1", gau_attention.back()}, {"conv2", gau_projection.back()}})});
  }
  register_module("decoder", group(decoder));
  register_head(kChannels, 3);
}

Outputs PANResNet::forward_outputs(const Tensor& x) {
  std::vector<Tensor> f = features(x);  // the stem, then strides 4, 8, 16, 16
  // Feature pyramid attention on the deepest features.
  // Bilinear with align_corners, as SMP's PAN everywhere. Max pooling floors, so x2 and x1 have
  // SMP's sizes h / 4 and h / 2.
  auto up = [](const Tensor& t, const Tensor& like) { return resize_as(t, like, true); };
  const Tensor& top = f[4];
  TESSEL_CHECK(top.size(2) >= 8 && top.size(3) >= 8, type_name(),
               ": input must be at least 128x128 (its pyramid ",
               "attention halves the stride-16 features three times), got ", x.size(2), "x",
               x.size(3));
  Tensor x1 = down1->forward(top), x2 = down2->forward(x1), x3 = down3->forward(x2);
  Tensor y = conv2->forward(x2) + up(x3, x2);
  y = conv1->forward(x1) + up(y, x1);
  y = up(y, top) * mid->forward(top) + up(branch1->forward(top), top);
  // Global attention upsampling, strides 16, 8, 4.
  for (size_t i = 0; i < 3; ++i) {
    const Tensor& skip = f[3 - i];
    y = up(y, skip) + gau_projection[i]->forward(skip) * gau_attention[i]->forward(y);
  }
  y = classifier->forward(y);
  return Outputs{
      {"out", upsample_bilinear(y, {.scale_factor = Scale2{4, 4}, .align_corners = true})}};
}

}  // namespace tessel::models
