#include "models/pp_liteseg.h"

#include <array>

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {
const ConvBNOptions kSg{.sg_names = true};  // SuperGradients' names
}  // namespace

SPPM::SPPM(int64_t in_channels, int64_t inter_channels, int64_t out_channels) : Module("SPPM") {
  branches = register_module("branches", std::make_shared<nn::ModuleList>());
  for (int64_t size : {1, 2, 4})
    branches->push_back(std::make_shared<nn::Sequential>(
        std::initializer_list<nn::ModulePtr>{std::make_shared<nn::AdaptiveAvgPool2d>(size),
                                             conv_bn(in_channels, inter_channels, 1, kSg)}));
  conv_out = register_module("conv_out", conv_bn(inter_channels, out_channels, 3, kSg));
}

Tensor SPPM::forward(const Tensor& x) {
  Tensor sum;
  for (const auto& branch : branches->values()) {
    Tensor y = resize_as(branch->forward(x), x);
    sum = sum.defined() ? sum + y : y;
  }
  return conv_out->forward(sum);
}

UAFM::UAFM(int64_t in_channels, int64_t skip_channels, int64_t out_channels) : Module("UAFM") {
  conv_atten = register_module(
      "conv_atten",
      std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
          conv_bn(4, 2, 3, kSg), conv_bn(2, 1, 3, {.relu = false, .sg_names = true})}));
  nn::ModulePtr proj = std::make_shared<nn::Identity>();
  if (skip_channels != in_channels) proj = conv_bn(skip_channels, in_channels, 3, kSg);
  proj_skip = register_module("proj_skip", proj);
  conv_out = register_module("conv_out", conv_bn(in_channels, out_channels, 3, kSg));
}

Tensor UAFM::forward(const Tensor& x_in, const Tensor& skip_in) {
  Tensor x = resize_as(x_in, skip_in);
  Tensor skip = proj_skip->forward(skip_in);
  Tensor atten = sigmoid(conv_atten->forward(cat(
      {mean(x, {1}, true), max(x, {1}, true), mean(skip, {1}, true), max(skip, {1}, true)}, 1)));
  return conv_out->forward(x * atten + skip * (1.0 - atten));
}

PPLiteSeg::PPLiteSeg(char variant, const ModelOptions& options)
    : SegmentationModel(std::string("PPLiteSeg") + variant) {
  TESSEL_CHECK(variant == 'T' || variant == 'B', "PPLiteSeg: variant is '", variant,
               "', expected 'T' or 'B'");
  bool tiny = variant == 'T';
  // SuperGradients' PPLiteSegT / PPLiteSegB arguments (dropout 0).
  const std::array<int64_t, 3> stage_channels = {256, 512, 1024};
  const std::array<int64_t, 3> projection =
      tiny ? std::array<int64_t, 3>{64, 128, 128} : std::array<int64_t, 3>{96, 128, 128};
  const std::array<int64_t, 3> decoder =
      tiny ? std::array<int64_t, 3>{128, 64, 32} : std::array<int64_t, 3>{128, 96, 64};
  const std::array<int64_t, 3> aux_hidden = {32, 64, 64};
  // SuperGradients' "encoder" (backbone, context module, projections) and "decoder".
  backbone = std::make_shared<STDCBackbone>(tiny ? 1 : 2);
  context_module = std::make_shared<SPPM>(1024, 128, 128);
  proj_convs = std::make_shared<nn::ModuleList>();
  for (size_t s = 0; s < 3; ++s)
    proj_convs->push_back(conv_bn(stage_channels[s], projection[s], 3, kSg));
  register_module("encoder", group({{"backbone", backbone},
                                    {"context_module", context_module},
                                    {"proj_convs", proj_convs}}));
  up_stages = std::make_shared<nn::ModuleList>();
  int64_t in_channels = 128;
  for (size_t i = 0; i < 3; ++i) {
    up_stages->push_back(std::make_shared<UAFM>(in_channels, projection[2 - i], decoder[i]));
    in_channels = decoder[i];
  }
  register_module("decoder", group({{"up_stages", up_stages}}));
  seg_head = register_module(
      "seg_head", segmentation_head(decoder[2], tiny ? 32 : 64, options.num_classes, 0.0));
  if (options.aux) {
    aux_heads = register_module("aux_heads", std::make_shared<nn::ModuleList>());
    for (size_t s = 0; s < 3; ++s)
      aux_heads->push_back(
          segmentation_head(projection[s], aux_hidden[s], options.num_classes, 0.0));
  }
  init_conv_kaiming_fan_out(*this);
}

Outputs PPLiteSeg::forward_outputs(const Tensor& x) {
  check_input(type_name(), x, input_multiple());
  std::vector<Tensor> features = backbone->forward_features(x).values();  // s8, s16, s32
  Tensor y = context_module->forward(features[2]);
  for (size_t s = 0; s < 3; ++s) features[s] = (*proj_convs)[s]->forward(features[s]);
  for (size_t i = 0; i < 3; ++i) y = (*up_stages)[i]->as<UAFM>()->forward(y, features[2 - i]);
  Outputs outputs{{"out", resize_as(seg_head->forward(y), x)}};
  if (aux_heads)
    for (size_t s = 0; s < 3; ++s)
      outputs.insert("aux" + std::to_string(s + 1),
                     resize_as((*aux_heads)[s]->forward(features[s]), x));
  return outputs;
}

}  // namespace tessel::models
