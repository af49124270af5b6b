#include "models/conv_bn.h"

namespace tessel::models {

std::shared_ptr<nn::Sequential> conv_bn(int64_t in_channels, int64_t out_channels,
                                        nn::Int2 kernel_size, const ConvBNOptions& o) {
  nn::Int2 padding = o.padding.h >= 0 ? o.padding
                                      : nn::Int2{o.dilation * (kernel_size.h / 2),
                                                 o.dilation * (kernel_size.w / 2)};
  auto conv =
      std::make_shared<nn::Conv2d>(in_channels, out_channels, kernel_size, o.stride, padding,
                                   o.dilation, o.groups, o.bias.value_or(!o.batch_norm));
  if (o.sg_names) {
    auto parts = std::make_shared<nn::Sequential>();
    parts->push_back("conv", conv);
    if (o.batch_norm) parts->push_back("bn", std::make_shared<nn::BatchNorm2d>(out_channels));
    if (o.relu) parts->push_back("act", std::make_shared<nn::ReLU>());
    return std::make_shared<nn::Sequential>(
        std::vector<std::pair<std::string, nn::ModulePtr>>{{"seq", parts}});
  }
  auto seq = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{conv});
  if (o.batch_norm) seq->push_back(std::make_shared<nn::BatchNorm2d>(out_channels));
  if (o.relu) seq->push_back(std::make_shared<nn::ReLU>());
  return seq;
}

}  // namespace tessel::models
