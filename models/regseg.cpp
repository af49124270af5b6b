#include "models/regseg.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

const ConvBNOptions kSg{.sg_names = true};  // SuperGradients' names
const ConvBNOptions kSgNoRelu{.relu = false, .sg_names = true};

// Channels split into len(dilations) equal parts, each a grouped 3x3 (group width 16) with its
// own dilation: one block sees near and far context at the cost of one convolution.
class SplitDilatedGroupConv : public nn::Module {
 public:
  SplitDilatedGroupConv(int64_t channels, const std::vector<int64_t>& dilations,
                        int64_t group_width, int64_t stride)
      : Module("SplitDilatedGroupConv") {
    int64_t split = channels / static_cast<int64_t>(dilations.size());
    convs = register_module("convs", std::make_shared<nn::ModuleList>());
    for (int64_t d : dilations)
      convs->push_back(
          std::make_shared<nn::Conv2d>(split, split, 3, stride, d, d, split / group_width, false));
  }
  Tensor forward(const Tensor& x) override {
    std::vector<Tensor> parts = chunk(x, static_cast<int64_t>(convs->size()), 1);
    for (size_t i = 0; i < parts.size(); ++i) parts[i] = (*convs)[i]->forward(parts[i]);
    return cat(parts, 1);
  }
  std::shared_ptr<nn::ModuleList> convs;
};

// x * sigmoid(1x1(relu(1x1(global average)))).
class SqueezeExcitation : public nn::Module {
 public:
  SqueezeExcitation(int64_t channels, int64_t bottleneck) : Module("SqueezeAndExcitationBlock") {
    se_block = register_module(
        "se_block",
        std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
            std::make_shared<nn::AdaptiveAvgPool2d>(1),
            std::make_shared<nn::Conv2d>(channels, bottleneck, 1), std::make_shared<nn::ReLU>(),
            std::make_shared<nn::Conv2d>(bottleneck, channels, 1),
            std::make_shared<nn::Sigmoid>()}));
  }
  Tensor forward(const Tensor& x) override { return x * se_block->forward(x); }
  std::shared_ptr<nn::Sequential> se_block;
};

struct DBlockSpec {
  int64_t out_channels;
  std::vector<int64_t> dilations;
  int64_t stride;
};

// relu(shortcut(x) + path(x)); the shortcut average-pools (ceil mode) when strided and projects
// with 1x1-BN when the shape changes. SE squeezes to in_channels / 4, as the paper. Named as
// SuperGradients' DBlock: "shortcut.shortcut.0" is the pooling (or an identity), ".1" the
// projection; the shortcut comes first in the state dict.
class DBlock : public nn::Module {
 public:
  static constexpr int64_t kGroupWidth = 16, kSeRatio = 4;

  DBlock(int64_t in, const DBlockSpec& s) : Module("DBlock") {
    int64_t out = s.out_channels;
    auto path = std::make_shared<nn::Sequential>();
    if (s.stride != 1)
      path->push_back(std::make_shared<nn::AvgPool2d>(s.stride, s.stride, 0, true));
    else
      path->push_back(std::make_shared<nn::Identity>());
    if (in != out || s.stride != 1) path->push_back(conv_bn(in, out, 1, kSgNoRelu));
    shortcut = register_module("shortcut", group({{"shortcut", path}}));
    shortcut_path_ = path;
    nn::ModulePtr dilated =
        s.dilations.size() == 1
            ? nn::ModulePtr(std::make_shared<nn::Conv2d>(out, out, 3, s.stride, s.dilations[0],
                                                         s.dilations[0], out / kGroupWidth, false))
            : std::make_shared<SplitDilatedGroupConv>(out, s.dilations, kGroupWidth, s.stride);
    d_block_path = register_module(
        "d_block_path",
        std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
            conv_bn(in, out, 1, kSg), dilated, std::make_shared<nn::BatchNorm2d>(out),
            std::make_shared<nn::ReLU>(), std::make_shared<SqueezeExcitation>(out, in / kSeRatio),
            conv_bn(out, out, 1, kSgNoRelu)}));
  }
  Tensor forward(const Tensor& x) override {
    return relu(shortcut_path_->forward(x) + d_block_path->forward(x));
  }
  std::shared_ptr<nn::ModuleDict> shortcut;
  std::shared_ptr<nn::Sequential> d_block_path;

 private:
  std::shared_ptr<nn::Sequential> shortcut_path_;
};

// SuperGradients' name of the index-th block of a stage: "DBlock_in32_out48_d[1]_gw16_s2_se4#0"
// (its DBlock.__str__, dilations as Python prints a list).
std::string sg_block_name(int64_t in, const DBlockSpec& s, size_t index) {
  std::string dilations;
  for (int64_t d : s.dilations) dilations += (dilations.empty() ? "" : ", ") + std::to_string(d);
  return "DBlock_in" + std::to_string(in) + "_out" + std::to_string(s.out_channels) + "_d[" +
         dilations + "]_gw" + std::to_string(DBlock::kGroupWidth) + "_s" +
         std::to_string(s.stride) + "_se" + std::to_string(DBlock::kSeRatio) + "#" +
         std::to_string(index);
}

// SuperGradients' DEFAULT_REGSEG48_BACKBONE_PARAMS (group width 16, SE ratio 4 throughout).
std::vector<std::vector<DBlockSpec>> regseg48_stages() {
  std::vector<DBlockSpec> stage3 = {{256, {1}, 2}, {256, {1}, 1}, {256, {1, 2}, 1}};
  stage3.insert(stage3.end(), 4, {256, {1, 4}, 1});
  stage3.insert(stage3.end(), 6, {256, {1, 14}, 1});
  stage3.push_back({320, {1, 14}, 1});
  return {{{48, {1}, 2}}, {{128, {1}, 2}, {128, {1}, 1}, {128, {1}, 1}}, stage3};
}

class RegSeg : public SegmentationModel {
 public:
  explicit RegSeg(const ModelOptions& o) : SegmentationModel("RegSeg48") {
    TESSEL_CHECK(!o.aux, "regseg48: has no auxiliary head; options.aux must be false");
    stem =
        register_module("stem", conv_bn(3, 32, 3, {.stride = 2, .bias = true, .sg_names = true}));
    stages = std::make_shared<nn::ModuleList>();
    int64_t in = 32;
    std::vector<int64_t> stage_channels;
    for (const auto& specs : regseg48_stages()) {
      auto stage = std::make_shared<nn::Sequential>();
      for (size_t i = 0; i < specs.size(); ++i) {
        stage->push_back(sg_block_name(in, specs[i], i), std::make_shared<DBlock>(in, specs[i]));
        in = specs[i].out_channels;
      }
      stages->push_back(stage);
      stage_channels.push_back(in);
    }
    register_module("backbone", group({{"stages", stages}}));
    projections = std::make_shared<nn::ModuleList>();
    for (auto [cin, cout] : {std::pair{stage_channels[0], int64_t(8)},
                             {stage_channels[1], 128},
                             {stage_channels[2], 128}})
      projections->push_back(conv_bn(cin, cout, 1, kSg));
    fuse = conv_bn(128, 64, 3, kSg);
    register_module("decoder", group({{"projections", projections}, {"conv_bn_relu", fuse}}));
    head = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        conv_bn(64 + 8, 64, 3, kSg), std::make_shared<nn::Conv2d>(64, o.num_classes, 1)});
    register_module("head", group({{"head", head}}));
  }

  Outputs forward_outputs(const Tensor& x) override {
    TESSEL_CHECK(x.dim() == 4, type_name(), ": input must be [N, C, H, W], got ",
                 shape_str(x.sizes()));
    std::vector<Tensor> features;
    Tensor y = stem->forward(x);
    for (size_t i = 0; i < stages->size(); ++i) features.push_back(y = (*stages)[i]->forward(y));
    Tensor p1 = (*projections)[1]->forward(features[1]);
    p1 = fuse->forward(p1 + resize_as((*projections)[2]->forward(features[2]), p1, true));
    Tensor p0 = (*projections)[0]->forward(features[0]);
    Tensor logits = head->forward(cat({resize_as(p1, p0, true), p0}, 1));
    Outputs outputs;
    outputs.insert("out", resize_as(logits, x));
    return outputs;
  }

  // SuperGradients' layout: "stem", "backbone.stages", "decoder.projections",
  // "decoder.conv_bn_relu" (fuse), "head.head".
  std::shared_ptr<nn::Sequential> stem, fuse, head;
  std::shared_ptr<nn::ModuleList> stages, projections;
};

}  // namespace

std::shared_ptr<SegmentationModel> regseg48(const ModelOptions& options) {
  return std::make_shared<RegSeg>(options);
}

}  // namespace tessel::models
