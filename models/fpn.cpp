#include "models/fpn.h"

#include "engine/ops.h"
#include "models/blocks.h"

namespace tessel::models {
namespace {

constexpr int64_t kPyramid = 256, kSegmentation = 128;

// SMP's Conv3x3GNReLU: "block" = 3x3 conv without bias, GroupNorm(32), ReLU; the bilinear
// doubling it applies after the block has no parameters, so it joins the block here.
std::shared_ptr<nn::Sequential> conv_gn_relu(int64_t in, bool upsample) {
  auto block = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::Conv2d>(in, kSegmentation, 3, 1, 1, 1, 1, false),
      std::make_shared<nn::GroupNorm>(32, kSegmentation), std::make_shared<nn::ReLU>()});
  if (upsample)
    block->push_back(std::make_shared<nn::Upsample>(
        nn::Upsample::Options{.scale_factor = 2.0, .mode = "bilinear", .align_corners = true}));
  return block;
}

}  // namespace

FPNResNet34::FPNResNet34(const ModelOptions& options)
    : SmpResNet("FPNResNet34", "fpn_resnet34", options) {
  p5 = std::make_shared<nn::Conv2d>(512, kPyramid, 1);
  std::vector<std::pair<std::string, nn::ModulePtr>> decoder{{"p5", p5}};
  const int64_t skip_channels[] = {256, 128, 64};  // layer3, layer2, layer1
  const char* names[] = {"p4", "p3", "p2"};
  for (int i = 0; i < 3; ++i) {
    skip_convs.push_back(std::make_shared<nn::Conv2d>(skip_channels[i], kPyramid, 1));
    decoder.emplace_back(names[i], group({{"skip_conv", skip_convs.back()}}));
  }
  auto seg_blocks = std::make_shared<nn::ModuleList>();
  for (int doublings : {3, 2, 1, 0}) {
    auto units = std::make_shared<nn::Sequential>();
    auto level = std::make_shared<nn::Sequential>();  // the same units, for the forward
    for (int u = 0; u < std::max(1, doublings); ++u) {
      auto block = conv_gn_relu(u == 0 ? kPyramid : kSegmentation, doublings > 0);
      units->push_back(group({{"block", block}}));
      level->push_back(block);
    }
    seg_blocks->push_back(group({{"block", units}}));
    levels.push_back(level);
  }
  decoder.emplace_back("seg_blocks", seg_blocks);
  dropout = std::make_shared<nn::Dropout2d>(0.2);
  decoder.emplace_back("dropout", dropout);  // registered for train() / eval(); no parameters
  register_module("decoder", group(decoder));
  register_head(kSegmentation, 1);
}

Outputs FPNResNet34::forward_outputs(const Tensor& x) {
  std::vector<Tensor> c = features(x);       // the stem, layer1 .. layer4
  std::vector<Tensor> p{p5->forward(c[4])};  // p5, p4, p3, p2
  for (int i = 0; i < 3; ++i)
    p.push_back(upsample_nearest(p.back(), {.scale_factor = Scale2{2, 2}}) +
                skip_convs[size_t(i)]->forward(c[size_t(3 - i)]));
  Tensor y = levels[0]->forward(p[0]);
  for (size_t i = 1; i < 4; ++i) y = y + levels[i]->forward(p[i]);
  y = classifier->forward(dropout->forward(y));
  return Outputs{
      {"out", upsample_bilinear(y, {.scale_factor = Scale2{4, 4}, .align_corners = true})}};
}

}  // namespace tessel::models
