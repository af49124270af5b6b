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
    : SegmentationModel("LinkNetResNet34") {
  TESSEL_CHECK(!options.aux, "linknet_resnet34: has no auxiliary head; options.aux must be false");
  encoder = register_module("encoder", std::make_shared<ResNet>(34));
  blocks = std::make_shared<nn::ModuleList>();
  const int64_t channels[] = {512, 256, 128, 64, 64, 32};
  for (int i = 0; i < 5; ++i) blocks->push_back(decoder_block(channels[i], channels[i + 1]));
  register_module("decoder", group({{"blocks", blocks}}));
  classifier = std::make_shared<nn::Conv2d>(32, options.num_classes, 1);
  register_module("segmentation_head", std::make_shared<nn::Sequential>(
                                           std::initializer_list<nn::ModulePtr>{classifier}));
}

Outputs LinkNetResNet34::forward_outputs(const Tensor& x) {
  check_input("linknet_resnet34", x, 32);
  std::vector<Tensor> skips = encoder->forward_pyramid(x);  // the stem, layer1 .. layer4
  Tensor y = skips.back();                                  // layer4 is the decoder's input
  skips.pop_back();
  for (size_t i = 0; i < blocks->size(); ++i) {
    y = (*(*blocks)[i]->as<nn::ModuleDict>())["block"]->forward(y);
    if (i < skips.size()) y = y + skips[skips.size() - 1 - i];
  }
  return Outputs{{"out", classifier->forward(y)}};
}

}  // namespace tessel::models
