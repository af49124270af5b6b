#include "models/pspnet.h"

#include "engine/ops.h"

namespace tessel::models {

PSPHead::PSPHead(int64_t in_channels, int64_t num_classes, int64_t channels)
    : DecodeHead("PSPHead", channels, num_classes) {
  psp_modules = register_module("psp_modules", std::make_shared<nn::ModuleList>());
  for (int64_t bins : {1, 2, 3, 6})
    psp_modules->push_back(std::make_shared<PoolingBranch>(bins, in_channels, channels));
  bottleneck = register_module(
      "bottleneck",
      conv_module(in_channels + int64_t(psp_modules->size()) * channels, channels, 3));
}

Tensor PSPHead::forward(const nn::OrderedDict<Tensor>& features) {
  const Tensor& x = features.at("layer4");
  std::vector<Tensor> pyramid = {x};
  for (const nn::ModulePtr& branch : psp_modules->values()) pyramid.push_back(branch->forward(x));
  return cls_seg(bottleneck->forward(cat(pyramid, 1)));
}

std::shared_ptr<SegmentationModel> pspnet(int64_t depth, const ModelOptions& options) {
  auto backbone = segmentation_backbone(depth, options);
  auto head = std::make_shared<PSPHead>(backbone->out_channels(4), options.num_classes);
  return std::make_shared<EncoderDecoder>("PSPNet", backbone, head, options);
}

}  // namespace tessel::models
