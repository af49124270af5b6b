#include "models/stdc_seg.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

// SuperGradients' STDC_SEG_DEFAULT_ARGS and its default head dropout.
constexpr int64_t kContextChannels = 128, kFfmChannels = 256, kAuxChannels = 64;
constexpr double kDropout = 0.2;

const ConvBNOptions kSg{.sg_names = true};

// Nearest x2, then conv-BN-ReLU 3x3: "upsample32.1.seq.conv.weight".
std::shared_ptr<nn::Sequential> upsample_conv(int64_t channels) {
  return sequential({std::make_shared<nn::Upsample>(nn::Upsample::Options{.scale_factor = 2.0}),
                     conv_bn(channels, channels, 3, kSg)});
}

}  // namespace

AttentionRefinementModule::AttentionRefinementModule(int64_t in_channels, int64_t out_channels)
    : Module("AttentionRefinementModule") {
  conv_first = register_module("conv_first", conv_bn(in_channels, out_channels, 3, kSg));
  attention_block = register_module(
      "attention_block",
      sequential({std::make_shared<nn::AdaptiveAvgPool2d>(1),
                  conv_bn(out_channels, out_channels, 1, {.relu = false, .sg_names = true}),
                  std::make_shared<nn::Sigmoid>()}));
}

Tensor AttentionRefinementModule::forward(const Tensor& x) {
  Tensor y = conv_first->forward(x);
  return y * attention_block->forward(y);
}

FeatureFusionModule::FeatureFusionModule(int64_t spatial_channels, int64_t context_channels,
                                         int64_t out_channels)
    : Module("FeatureFusionModule") {
  pw_conv = register_module("pw_conv",
                            conv_bn(spatial_channels + context_channels, out_channels, 1, kSg));
  // No BatchNorm in the squeeze step, as the reference.
  attention_block = register_module(
      "attention_block",
      sequential(
          {std::make_shared<nn::AdaptiveAvgPool2d>(1),
           conv_bn(out_channels, out_channels / 4, 1,
                   {.bias = false, .batch_norm = false, .sg_names = true}),
           std::make_shared<nn::Conv2d>(out_channels / 4, out_channels, 1, 1, 0, 1, 1, false),
           std::make_shared<nn::Sigmoid>()}));
}

Tensor FeatureFusionModule::forward(const Tensor& spatial, const Tensor& context) {
  Tensor y = pw_conv->forward(cat({spatial, context}, 1));
  return y * attention_block->forward(y) + y;
}

STDCSeg::STDCSeg(int version, const ModelOptions& options)
    : SegmentationModel(version == 1 ? "STDC1Seg" : "STDC2Seg") {
  // SuperGradients' ContextPath ("cp"): the backbone and the refinement of its two last stages.
  backbone = std::make_shared<STDCBackbone>(version);
  context_embedding = sequential(
      {std::make_shared<nn::AdaptiveAvgPool2d>(1), conv_bn(1024, kContextChannels, 1, kSg)});
  arm32 = std::make_shared<AttentionRefinementModule>(1024, kContextChannels);
  upsample32 = upsample_conv(kContextChannels);
  arm16 = std::make_shared<AttentionRefinementModule>(512, kContextChannels);
  upsample16 = upsample_conv(kContextChannels);
  register_module("cp",
                  group({{"backbone", backbone},
                         {"context_embedding", group({{"context_embedding", context_embedding}})},
                         {"arm32", arm32},
                         {"upsample32", upsample32},
                         {"arm16", arm16},
                         {"upsample16", upsample16}}));
  ffm = register_module("ffm",
                        std::make_shared<FeatureFusionModule>(256, kContextChannels, kFfmChannels));
  segmentation_head = register_module(
      "segmentation_head",
      models::segmentation_head(kFfmChannels, kFfmChannels, options.num_classes, kDropout));
  if (options.aux) {
    aux_head_s16 = register_module(
        "aux_head_s16",
        models::segmentation_head(512, kAuxChannels, options.num_classes, kDropout));
    aux_head_s32 = register_module(
        "aux_head_s32",
        models::segmentation_head(1024, kAuxChannels, options.num_classes, kDropout));
    detail_head8 =
        register_module("detail_head8", models::segmentation_head(256, kAuxChannels, 1, kDropout));
  }
  init_conv_kaiming_fan_out(*this);
}

Outputs STDCSeg::forward_outputs(const Tensor& x) {
  check_input(type_name(), x, input_multiple());
  nn::OrderedDict<Tensor> f = backbone->forward_features(x);
  const Tensor &s8 = f.at("s8"), &s16 = f.at("s16"), &s32 = f.at("s32");
  // The global context is 1x1: adding it broadcasts, as the reference's nearest upsampling.
  Tensor context = arm32->forward(s32) + context_embedding->forward(s32);
  context = upsample32->forward(context);
  context = upsample16->forward(arm16->forward(s16) + context);
  // Bilinear with align_corners=True, as the reference's heads.
  auto head = [&](nn::Module& h, const Tensor& features) {
    return resize_as(h.forward(features), x, true);
  };
  Outputs outputs{{"out", head(*segmentation_head, ffm->forward(s8, context))}};
  if (aux_head_s32) {
    outputs.insert("aux1", head(*aux_head_s32, s32));
    outputs.insert("aux2", head(*aux_head_s16, s16));
    outputs.insert("detail", head(*detail_head8, s8));
  }
  return outputs;
}

}  // namespace tessel::models
