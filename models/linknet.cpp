#include "models/linknet.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

// SMP's DecoderBlock: "block" = 1x1 Conv-BN-ReLU to in / 4, TransposeX2 (4x4 stride-2 transposed
// conv with bias, BN, ReLU), 1x1 Conv-BN-ReLU to `out`.
nn::ModulePtr decoder_block(int64_t in, int64_t out) {
  auto up = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::ConvTranspose2d>(in / 4, in / 4, 4, 2, 1),
      std::make_shared<nn::BatchNorm2d>(in / 4), std::make_shared<nn::ReLU>()});
  return group({{"block", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                              conv_bn(in, in / 4, 1), up, conv_bn(in / 4, out, 1)})}});
}

}  // namespace

LinkNetResNet34::LinkNetResNet34(const ModelOptions& options)
    : SmpResNet("LinkNetResNet34", "linknet_resnet34", options) {
  blocks = std::make_shared<nn::ModuleList>();
  const int64_t channels[] = {512, 256, 128, 64, 64, 32};
  for (int i = 0; i < 5; ++i) blocks->push_back(decoder_block(channels[i], channels[i + 1]));
  register_module("decoder", group({{"blocks", blocks}}));
  register_head(32, 1);
}

Outputs LinkNetResNet34::forward_outputs(const Tensor& x) {
  std::vector<Tensor> skips = features(x);  // the stem, layer1 .. layer4
  Tensor y = skips.back();                  // layer4 is the decoder's input
  skips.pop_back();
  for (size_t i = 0; i < blocks->size(); ++i) {
    y = (*(*blocks)[i]->as<nn::ModuleDict>())["block"]->forward(y);
    if (i < skips.size()) y = y + skips[skips.size() - 1 - i];
  }
  return Outputs{{"out", classifier->forward(y)}};
}

}  // namespace tessel::models
