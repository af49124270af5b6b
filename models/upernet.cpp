#include "models/upernet.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

constexpr int64_t kChannels = 256;

// SMP's LayerNorm2d: LayerNorm over the channels of an NCHW map.
struct ChannelLayerNorm : nn::LayerNorm {
  explicit ChannelLayerNorm(int64_t channels) : LayerNorm(channels, 1e-6) {}
  Tensor forward(const Tensor& x) override {
    return LayerNorm::forward(x.permute({0, 2, 3, 1}).contiguous()).permute({0, 3, 1, 2});
  }
};

}  // namespace

UPerNetResNet::UPerNetResNet(int64_t depth, const ModelOptions& options)
    : SmpResNet("UPerNetResNet" + std::to_string(depth), "upernet_resnet" + std::to_string(depth),
                options, depth) {
  auto norms = std::make_shared<nn::ModuleList>();
  for (int stage = 1; stage <= 4; ++stage) {
    feature_norms.push_back(std::make_shared<ChannelLayerNorm>(encoder->out_channels(stage)));
    norms->push_back(feature_norms.back());
  }
  const int64_t deepest = encoder->out_channels(4);
  auto pool_blocks = std::make_shared<nn::ModuleList>();
  for (int64_t size : {1, 2, 3, 6}) {
    psp_blocks.push_back(std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        std::make_shared<nn::AdaptiveAvgPool2d>(size), conv_bn(deepest, kChannels, 1)}));
    pool_blocks->push_back(psp_blocks.back());
  }
  psp_out = conv_bn(deepest + 4 * kChannels, kChannels, 3);
  auto lateral_list = std::make_shared<nn::ModuleList>(),
       conv_list = std::make_shared<nn::ModuleList>();
  for (int stage = 3; stage >= 1; --stage) {
    laterals.push_back(conv_bn(encoder->out_channels(stage), kChannels, 1));
    lateral_list->push_back(group({{"conv_norm_relu", laterals.back()}}));
    fpn_convs.push_back(conv_bn(kChannels, kChannels, 3));
    conv_list->push_back(fpn_convs.back());
  }
  fusion = conv_bn(4 * kChannels, kChannels, 3);
  register_module("decoder",
                  group({{"feature_norms", norms},
                         {"psp", group({{"blocks", pool_blocks}, {"out_conv", psp_out}})},
                         {"fpn_lateral_blocks", lateral_list},
                         {"fpn_conv_blocks", conv_list},
                         {"fusion_block", fusion}}));
  register_head(kChannels, 1);
}

Outputs UPerNetResNet::forward_outputs(const Tensor& x) {
  std::vector<Tensor> f = features(x);  // the stem, then strides 4, 8, 16, 32
  f.erase(f.begin());
  for (size_t i = 0; i < 4; ++i) f[i] = feature_norms[i]->forward(f[i]);
  std::vector<Tensor> pyramid{f[3]};
  for (const auto& block : psp_blocks) pyramid.push_back(resize_as(block->forward(f[3]), f[3]));
  std::vector<Tensor> levels{psp_out->forward(cat(pyramid, 1))};  // strides 32, 16, 8, 4
  for (size_t i = 0; i < 3; ++i) {
    Tensor lateral = laterals[i]->forward(f[2 - i]);
    levels.push_back(resize_as(levels.back(), lateral) + lateral);
  }
  for (size_t i = 0; i < 3; ++i) levels[i + 1] = fpn_convs[i]->forward(levels[i + 1]);
  std::vector<Tensor> finest_first;
  for (size_t i = 4; i-- > 0;) finest_first.push_back(resize_as(levels[i], levels[3]));
  Tensor y = classifier->forward(fusion->forward(cat(finest_first, 1)));
  return Outputs{
      {"out", upsample_bilinear(y, {.scale_factor = Scale2{4, 4}, .align_corners = true})}};
}

}  // namespace tessel::models
