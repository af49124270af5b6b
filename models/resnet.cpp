#include "models/resnet.h"

#include <map>
#include <string>

#include "engine/ops.h"

namespace tessel::models {
namespace {

// Blocks per stage, and whether they are bottlenecks.
struct Depth {
  std::array<int64_t, 4> blocks;
  bool bottleneck;
};
const Depth& depth_config(int64_t depth) {
  static const std::map<int64_t, Depth> configs = {{18, {{2, 2, 2, 2}, false}},
                                                   {34, {{3, 4, 6, 3}, false}},
                                                   {50, {{3, 4, 6, 3}, true}},
                                                   {101, {{3, 4, 23, 3}, true}},
                                                   {152, {{3, 8, 36, 3}, true}}};
  auto it = configs.find(depth);
  TESSEL_CHECK(it != configs.end(), "ResNet: depth ", depth, " is not one of 18, 34, 50, 101, 152");
  return it->second;
}

std::shared_ptr<nn::Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride, int64_t dilation) {
  return std::make_shared<nn::Conv2d>(in, out, 3, stride, dilation, dilation, 1, false);
}
std::shared_ptr<nn::Conv2d> conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return std::make_shared<nn::Conv2d>(in, out, 1, stride, 0, 1, 1, false);
}

// torchvision's ResNet._make_layer: `inplanes` and `dilation` carry over from stage to stage.
// The first block strides (or starts dilating) and projects the identity when shapes change.
template <typename Block>
std::shared_ptr<nn::Sequential> make_layer(int64_t& inplanes, int64_t& dilation, int64_t planes,
                                           int64_t blocks, int64_t stride, bool dilate,
                                           bool dilate_first_block) {
  int64_t first_dilation = dilation;
  if (dilate) {
    dilation *= stride;
    stride = 1;
    if (dilate_first_block) first_dilation = dilation;
  }
  nn::ModulePtr downsample;
  if (stride != 1 || inplanes != planes * Block::expansion)
    downsample = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        conv1x1(inplanes, planes * Block::expansion, stride),
        std::make_shared<nn::BatchNorm2d>(planes * Block::expansion)});
  auto layer = std::make_shared<nn::Sequential>();
  layer->push_back(std::make_shared<Block>(inplanes, planes, stride, first_dilation, downsample));
  inplanes = planes * Block::expansion;
  for (int64_t i = 1; i < blocks; ++i)
    layer->push_back(std::make_shared<Block>(inplanes, planes, 1, dilation, nullptr));
  return layer;
}

}  // namespace

std::array<bool, 3> dilation_for_output_stride(int64_t output_stride) {
  TESSEL_CHECK(output_stride == 8 || output_stride == 16 || output_stride == 32,
               "ResNet: output_stride ", output_stride, " is not 8, 16 or 32");
  return {false, output_stride <= 8, output_stride <= 16};
}

BasicBlock::BasicBlock(int64_t inplanes, int64_t planes, int64_t stride, int64_t dilation,
                       nn::ModulePtr downsample_)
    : Module("BasicBlock") {
  conv1 = register_module("conv1", conv3x3(inplanes, planes, stride, dilation));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  conv2 = register_module("conv2", conv3x3(planes, planes, 1, dilation));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  if (downsample_) downsample = register_module("downsample", downsample_);
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = relu->forward(bn1->forward(conv1->forward(x)));
  out = bn2->forward(conv2->forward(out));
  return relu->forward(out + (downsample ? downsample->forward(x) : x));
}

Bottleneck::Bottleneck(int64_t inplanes, int64_t planes, int64_t stride, int64_t dilation,
                       nn::ModulePtr downsample_)
    : Module("Bottleneck") {
  conv1 = register_module("conv1", conv1x1(inplanes, planes));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, stride, dilation));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  conv3 = register_module("conv3", conv1x1(planes, planes * expansion));
  bn3 = register_module("bn3", std::make_shared<nn::BatchNorm2d>(planes * expansion));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  if (downsample_) downsample = register_module("downsample", downsample_);
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out = relu->forward(bn1->forward(conv1->forward(x)));
  out = relu->forward(bn2->forward(conv2->forward(out)));
  out = bn3->forward(conv3->forward(out));
  return relu->forward(out + (downsample ? downsample->forward(x) : x));
}

ResNet::ResNet(int64_t depth_, ResNetOptions options_)
    : Module("ResNet"), depth(depth_), options(options_) {
  const Depth& config = depth_config(depth);
  expansion_ = config.bottleneck ? Bottleneck::expansion : BasicBlock::expansion;
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(3, 64, 7, 2, 3, 1, 1, false));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  maxpool = register_module("maxpool", std::make_shared<nn::MaxPool2d>(3, 2, 1));
  int64_t inplanes = 64, dilation = 1;
  for (size_t s = 0; s < 4; ++s) {
    int64_t planes = 64 << s, stride = s == 0 ? 1 : 2;
    bool dilate = s > 0 && options.replace_stride_with_dilation[s - 1];
    auto layer = config.bottleneck
                     ? make_layer<Bottleneck>(inplanes, dilation, planes, config.blocks[s], stride,
                                              dilate, options.dilate_first_block)
                     : make_layer<BasicBlock>(inplanes, dilation, planes, config.blocks[s], stride,
                                              dilate, options.dilate_first_block);
    layers[s] = register_module("layer" + std::to_string(s + 1), layer);
  }
  if (options.num_classes > 0) {
    avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
    fc = register_module("fc", std::make_shared<nn::Linear>(inplanes, options.num_classes));
  }
  // torchvision's initialisation; BatchNorm's (ones, zeros) and Linear's defaults stay.
  apply([](nn::Module& m) {
    if (auto* conv = m.as<nn::Conv2d>())
      nn::init::kaiming_normal_(conv->weight, 0, nn::init::FanMode::FanOut,
                                nn::init::Nonlinearity::ReLU);
  });
}

Tensor ResNet::stem(const Tensor& x) {
  return relu->forward(bn1->forward(conv1->forward(x)));
}

std::vector<Tensor> ResNet::forward_pyramid(const Tensor& x) {
  std::vector<Tensor> pyramid{stem(x)};
  Tensor y = maxpool->forward(pyramid[0]);
  for (const auto& layer : layers) pyramid.push_back(y = layer->forward(y));
  return pyramid;
}

nn::OrderedDict<Tensor> ResNet::forward_features(const Tensor& x) {
  Tensor y = maxpool->forward(stem(x));
  nn::OrderedDict<Tensor> features;
  for (size_t s = 0; s < 4; ++s) {
    y = layers[s]->forward(y);
    features.insert("layer" + std::to_string(s + 1), y);
  }
  return features;
}

Tensor ResNet::forward(const Tensor& x) {
  TESSEL_CHECK(fc != nullptr, "ResNet-", depth,
               ": built as a backbone (num_classes 0); use forward_features");
  return fc->forward(avgpool->forward(forward_features(x).at("layer4")).flatten(1));
}

int64_t ResNet::out_channels(int stage) const {
  TESSEL_CHECK(stage >= 1 && stage <= 4, "ResNet: stage ", stage, " is not 1..4");
  return (int64_t(32) << stage) * expansion_;
}

}  // namespace tessel::models
