#include "models/unet.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

std::shared_ptr<nn::Sequential> double_conv(int64_t in_channels, int64_t out_channels) {
  return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      conv_bn(in_channels, out_channels, 3), conv_bn(out_channels, out_channels, 3)});
}

void check_no_aux(const std::string& model, const ModelOptions& options) {
  TESSEL_CHECK(!options.aux, model, ": has no auxiliary heads, but options.aux is true");
}

}  // namespace

UNet::UNet(const ModelOptions& options) : SegmentationModel("UNet") {
  check_no_aux("unet", options);
  encoder = register_module("encoder", std::make_shared<nn::ModuleList>());
  upsample = register_module("upsample", std::make_shared<nn::ModuleList>());
  decoder = register_module("decoder", std::make_shared<nn::ModuleList>());
  encoder->push_back(double_conv(3, 64));
  for (int64_t c = 64; c < 1024; c *= 2) encoder->push_back(double_conv(c, c * 2));
  for (int64_t c = 512; c >= 64; c /= 2) {
    upsample->push_back(std::make_shared<nn::ConvTranspose2d>(c * 2, c, 2, 2));
    decoder->push_back(double_conv(c * 2, c));
  }
  classifier =
      register_module("classifier", std::make_shared<nn::Conv2d>(64, options.num_classes, 1));
}

Outputs UNet::forward_outputs(const Tensor& x) {
  check_input("unet", x, 16);
  std::vector<Tensor> skips;
  Tensor y = x;
  for (size_t level = 0; level < encoder->size(); ++level) {
    if (level > 0) y = max_pool2d(y, {2, 2});
    y = (*encoder)[level]->forward(y);
    skips.push_back(y);
  }
  skips.pop_back();  // the bottleneck is y itself
  for (size_t level = 0; level < decoder->size(); ++level) {
    y = (*upsample)[level]->forward(y);
    y = (*decoder)[level]->forward(cat({skips[skips.size() - 1 - level], y}, 1));
  }
  return Outputs{{"out", classifier->forward(y)}};
}

UNetResNet34::UNetResNet34(const ModelOptions& options) : SegmentationModel("UNetResNet34") {
  check_no_aux("unet_resnet34", options);
  encoder = register_module("encoder", std::make_shared<ResNet>(34));
  decoder = register_module("decoder", std::make_shared<nn::ModuleList>());
  // Skips: layer3, layer2, layer1, the stem (stride 2); the last block has none.
  const int64_t in[] = {512, 256, 128, 64, 32}, skip[] = {256, 128, 64, 64, 0},
                out[] = {256, 128, 64, 32, 16};
  for (int i = 0; i < 5; ++i) decoder->push_back(double_conv(in[i] + skip[i], out[i]));
  segmentation_head = register_module(
      "segmentation_head", std::make_shared<nn::Conv2d>(16, options.num_classes, 3, 1, 1));
}

Outputs UNetResNet34::forward_outputs(const Tensor& x) {
  check_input("unet_resnet34", x, 32);
  std::vector<Tensor> skips;
  Tensor y = encoder->relu->forward(encoder->bn1->forward(encoder->conv1->forward(x)));
  skips.push_back(y);
  y = encoder->maxpool->forward(y);
  for (const auto& layer : encoder->layers) {
    y = layer->forward(y);
    skips.push_back(y);
  }
  skips.pop_back();  // layer4 is the decoder's input
  for (size_t block = 0; block < decoder->size(); ++block) {
    y = upsample2_nearest(y);
    if (block < skips.size()) y = cat({y, skips[skips.size() - 1 - block]}, 1);
    y = (*decoder)[block]->forward(y);
  }
  return Outputs{{"out", segmentation_head->forward(y)}};
}

}  // namespace tessel::models
