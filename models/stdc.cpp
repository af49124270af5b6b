#include "models/stdc.h"

#include "engine/ops.h"
#include "models/conv_bn.h"

namespace tessel::models {

namespace {
const ConvBNOptions kSg{.sg_names = true};  // SuperGradients' names, as the whole family
}  // namespace

STDCBlock::STDCBlock(int64_t in_channels, int64_t out_channels, int64_t stride)
    : Module("STDCBlock") {
  TESSEL_CHECK(out_channels % 8 == 0 && (stride == 1 || stride == 2), "STDCBlock: out_channels ",
               out_channels, " must be a multiple of 8 and stride ", stride, " 1 or 2");
  int64_t half = out_channels / 2;
  conv_list = register_module("conv_list", std::make_shared<nn::ModuleList>());
  conv_list->push_back(conv_bn(in_channels, half, 1, kSg));
  nn::ModulePtr step2 = conv_bn(half, half / 2, 3, kSg);
  if (stride == 2)
    step2 = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        conv_bn(half, half, 3, {.stride = 2, .groups = half, .relu = false, .sg_names = true}),
        step2});
  conv_list->push_back(step2);
  conv_list->push_back(conv_bn(half / 2, half / 4, 3, kSg));
  conv_list->push_back(conv_bn(half / 4, half / 4, 3, kSg));
  nn::ModulePtr skip = std::make_shared<nn::Identity>();
  if (stride == 2) skip = std::make_shared<nn::AvgPool2d>(3, 2, 1);
  skip_step1 = register_module("skip_step1", skip);
}

Tensor STDCBlock::forward(const Tensor& x) {
  Tensor y = (*conv_list)[0]->forward(x);
  std::vector<Tensor> steps = {skip_step1->forward(y)};
  for (size_t i = 1; i < conv_list->size(); ++i) {
    y = (*conv_list)[i]->forward(y);
    steps.push_back(y);
  }
  return cat(steps, 1);
}

STDCBackbone::STDCBackbone(int version) : Module("STDCBackbone") {
  TESSEL_CHECK(version == 1 || version == 2, "STDCBackbone: version is ", version,
               ", expected 1 or 2");
  const int64_t blocks[2][3] = {{2, 2, 2}, {4, 5, 3}};
  stages = register_module("stages", std::make_shared<nn::ModuleDict>());
  stages->insert("block_s2", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                                 conv_bn(3, 32, 3, {.stride = 2, .sg_names = true})}));
  stages->insert("block_s4", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                                 conv_bn(32, 64, 3, {.stride = 2, .sg_names = true})}));
  int64_t in_channels = 64, stride = 8;
  for (int s = 0; s < 3; ++s, stride *= 2) {
    int64_t out_channels = 256 << s;
    auto stage = std::make_shared<nn::Sequential>();
    for (int64_t b = 0; b < blocks[version - 1][s]; ++b)
      stage->push_back(std::make_shared<STDCBlock>(b == 0 ? in_channels : out_channels,
                                                   out_channels, b == 0 ? 2 : 1));
    stages->insert("block_s" + std::to_string(stride), stage);
    in_channels = out_channels;
  }
}

nn::OrderedDict<Tensor> STDCBackbone::forward_features(const Tensor& x) {
  nn::OrderedDict<Tensor> features;
  Tensor y = x;
  for (const auto& [name, stage] : stages->items()) {
    y = stage->forward(y);
    if (name != "block_s2" && name != "block_s4") features.insert(name.substr(6), y);
  }
  return features;
}

}  // namespace tessel::models
