#include "models/conv_bn.h"

namespace tessel::models {

std::shared_ptr<nn::Sequential> conv_bn(int64_t in_channels, int64_t out_channels,
                                        int64_t kernel_size, const ConvBNOptions& o) {
  int64_t padding = o.padding >= 0 ? o.padding : o.dilation * (kernel_size / 2);
  auto seq = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::Conv2d>(in_channels, out_channels, kernel_size, o.stride, padding,
                                   o.dilation, o.groups, o.bias),
      std::make_shared<nn::BatchNorm2d>(out_channels)});
  if (o.relu) seq->push_back(std::make_shared<nn::ReLU>());
  return seq;
}

}  // namespace tessel::models
