#include "models/deeplabv3plus.h"

#include "engine/ops.h"

namespace tessel::models {

DepthwiseSeparableASPPHead::DepthwiseSeparableASPPHead(int64_t in_channels, int64_t c1_in_channels,
                                                       int64_t num_classes,
                                                       const std::vector<int64_t>& rates,
                                                       int64_t channels, int64_t c1_channels)
    : DecodeHead("DepthwiseSeparableASPPHead", channels, num_classes) {
  image_pool =
      register_module("image_pool", std::make_shared<PoolingBranch>(1, in_channels, channels));
  aspp_modules = register_module("aspp_modules", std::make_shared<nn::ModuleList>());
  aspp_modules->push_back(conv_module(in_channels, channels, 1));
  for (int64_t rate : rates)
    aspp_modules->push_back(separable_conv_module(in_channels, channels, {.dilation = rate}));
  bottleneck = register_module(
      "bottleneck", conv_module((int64_t(aspp_modules->size()) + 1) * channels, channels, 3));
  c1_bottleneck = register_module("c1_bottleneck", conv_module(c1_in_channels, c1_channels, 1));
  sep_bottleneck = register_module(
      "sep_bottleneck", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                            separable_conv_module(channels + c1_channels, channels),
                            separable_conv_module(channels, channels)}));
}

Tensor DepthwiseSeparableASPPHead::forward(const nn::OrderedDict<Tensor>& features) {
  const Tensor& x = features.at("layer4");
  std::vector<Tensor> branches = {image_pool->forward(x)};
  for (const nn::ModulePtr& branch : aspp_modules->values()) branches.push_back(branch->forward(x));
  Tensor c1 = c1_bottleneck->forward(features.at("layer1"));
  Tensor aspp = upsample_bilinear(bottleneck->forward(cat(branches, 1)),
                                  {.size = Size2{c1.size(2), c1.size(3)}});
  return cls_seg(sep_bottleneck->forward(cat({aspp, c1}, 1)));
}

std::shared_ptr<SegmentationModel> deeplabv3plus(int64_t depth, const ModelOptions& options) {
  auto backbone = segmentation_backbone(depth, options);
  std::vector<int64_t> rates;
  for (int64_t rate_at_8 : {12, 24, 36}) rates.push_back(rate_at_8 * 8 / options.output_stride);
  auto head = std::make_shared<DepthwiseSeparableASPPHead>(
      backbone->out_channels(4), backbone->out_channels(1), options.num_classes, rates);
  return std::make_shared<EncoderDecoder>("DeepLabV3Plus", backbone, head, options);
}

}  // namespace tessel::models
