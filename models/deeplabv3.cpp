#include "models/deeplabv3.h"

#include "engine/ops.h"
#include "models/fcn.h"

namespace tessel::models {
namespace {

// Appends conv (no bias: BN follows) - BN - ReLU to `seq`.
void append_conv_bn_relu(nn::Sequential& seq, int64_t in, int64_t out, int64_t kernel,
                         int64_t dilation = 1) {
  seq.push_back(
      std::make_shared<nn::Conv2d>(in, out, kernel, 1, kernel / 2 * dilation, dilation, 1, false));
  seq.push_back(std::make_shared<nn::BatchNorm2d>(out));
  seq.push_back(std::make_shared<nn::ReLU>());
}
std::shared_ptr<nn::Sequential> conv_bn_relu(int64_t in, int64_t out, int64_t kernel,
                                             int64_t dilation = 1) {
  auto seq = std::make_shared<nn::Sequential>();
  append_conv_bn_relu(*seq, in, out, kernel, dilation);
  return seq;
}

}  // namespace

ASPPPooling::ASPPPooling(int64_t in_channels, int64_t out_channels) {
  push_back(std::make_shared<nn::AdaptiveAvgPool2d>(1));
  append_conv_bn_relu(*this, in_channels, out_channels, 1);
}

Tensor ASPPPooling::forward(const Tensor& x) {
  return upsample_bilinear(nn::Sequential::forward(x), {.size = Size2{x.size(2), x.size(3)}});
}

ASPP::ASPP(int64_t in_channels, const std::vector<int64_t>& atrous_rates, int64_t out_channels)
    : Module("ASPP") {
  convs = register_module("convs", std::make_shared<nn::ModuleList>());
  convs->push_back(conv_bn_relu(in_channels, out_channels, 1));
  for (int64_t rate : atrous_rates)
    convs->push_back(conv_bn_relu(in_channels, out_channels, 3, rate));
  convs->push_back(std::make_shared<ASPPPooling>(in_channels, out_channels));
  project = register_module("project",
                            conv_bn_relu(int64_t(convs->size()) * out_channels, out_channels, 1));
  project->push_back(std::make_shared<nn::Dropout>(0.5));
}

Tensor ASPP::forward(const Tensor& x) {
  std::vector<Tensor> branches;
  for (const nn::ModulePtr& branch : convs->values()) branches.push_back(branch->forward(x));
  return project->forward(cat(branches, 1));
}

std::shared_ptr<nn::Sequential> deeplab_head(int64_t in_channels, int64_t num_classes) {
  auto head = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<ASPP>(in_channels, std::vector<int64_t>{12, 24, 36})});
  append_conv_bn_relu(*head, 256, 256, 3);
  head->push_back(std::make_shared<nn::Conv2d>(256, num_classes, 1));
  return head;
}

std::shared_ptr<SegmentationModel> deeplabv3(int64_t depth, const ModelOptions& options) {
  return resnet_segmentation_model("DeepLabV3", depth, options, deeplab_head);
}

}  // namespace tessel::models
