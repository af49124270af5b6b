#include "models/bisenetv2.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/encoder_decoder.h"

namespace tessel::models {
namespace {

using Seq = std::shared_ptr<nn::Sequential>;

Seq sequential(std::initializer_list<nn::ModulePtr> modules) {
  return std::make_shared<nn::Sequential>(modules);
}

// mmseg's DepthwiseSeparableConvModule as BiSeNetV2 uses it: no activations, and in the
// aggregation layer no norm after the pointwise conv (which then has a bias).
Seq separable(int64_t in, int64_t out, int64_t stride, bool pointwise_norm) {
  return separable_conv_module(in, out, {.stride = stride, .act = false},
                               {.norm = pointwise_norm, .act = false});
}

// Three stages to stride 8 (64, 64, 128 channels): a strided 3x3 ConvModule and one or two more.
class DetailBranch : public nn::Module {
 public:
  DetailBranch() : Module("DetailBranch") {
    detail_branch = register_module("detail_branch", std::make_shared<nn::ModuleList>());
    int64_t in = 3;
    for (int64_t c : {64, 64, 128}) {
      auto stage = sequential({conv_module(in, c, 3, {.stride = 2}), conv_module(c, c, 3)});
      if (detail_branch->size() > 0) stage->push_back(conv_module(c, c, 3));
      detail_branch->push_back(stage);
      in = c;
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (const nn::ModulePtr& stage : detail_branch->values()) y = stage->forward(y);
    return y;
  }
  std::shared_ptr<nn::ModuleList> detail_branch;
};

// Stride 4: a strided conv, then a 1x1-3x3 (strided) path beside a max pooling, fused by a 3x3.
class StemBlock : public nn::Module {
 public:
  StemBlock(int64_t in, int64_t out) : Module("StemBlock") {
    conv_first = register_module("conv_first", conv_module(in, out, 3, {.stride = 2}));
    convs = register_module("convs", sequential({conv_module(out, out / 2, 1),
                                                 conv_module(out / 2, out, 3, {.stride = 2})}));
    pool = register_module("pool", std::make_shared<nn::MaxPool2d>(3, 2, 1));
    fuse_last = register_module("fuse_last", conv_module(out * 2, out, 3));
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = conv_first->forward(x);
    return fuse_last->forward(cat({convs->forward(y), pool->forward(y)}, 1));
  }
  nn::ModulePtr conv_first, convs, pool, fuse_last;
};

// Gather-and-expansion: a 3x3, a depthwise expansion by 6 (stride 2: a strided depthwise and a
// second one), a 1x1 projection, plus the input (stride 2: through a separable conv), then ReLU.
class GELayer : public nn::Module {
 public:
  GELayer(int64_t in, int64_t out, int64_t stride) : Module("GELayer") {
    int64_t mid = in * 6;
    conv1 = register_module("conv1", conv_module(in, in, 3));
    if (stride == 1) {
      dwconv = register_module("dwconv", sequential({conv_module(in, mid, 3, {.groups = in})}));
    } else {
      dwconv = register_module(
          "dwconv",
          sequential({conv_module(in, mid, 3, {.stride = stride, .groups = in, .act = false}),
                      conv_module(mid, mid, 3, {.groups = mid})}));
      shortcut = register_module("shortcut", sequential({separable(in, out, stride, true)}));
    }
    conv2 = register_module("conv2", sequential({conv_module(mid, out, 1, {.act = false})}));
    act = register_module("act", std::make_shared<nn::ReLU>());
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = conv2->forward(dwconv->forward(conv1->forward(x)));
    return act->forward(y + (shortcut ? shortcut->forward(x) : x));
  }
  nn::ModulePtr conv1, dwconv, shortcut, conv2, act;
};

// Context embedding: global average pooling and BN, a 1x1 added back to every pixel, a 3x3.
class CEBlock : public nn::Module {
 public:
  explicit CEBlock(int64_t c) : Module("CEBlock") {
    gap = register_module("gap", sequential({std::make_shared<nn::AdaptiveAvgPool2d>(1),
                                             std::make_shared<nn::BatchNorm2d>(c)}));
    conv_gap = register_module("conv_gap", conv_module(c, c, 1));
    conv_last = register_module("conv_last", conv_module(c, c, 3));
  }
  Tensor forward(const Tensor& x) override {
    return conv_last->forward(x + conv_gap->forward(gap->forward(x)));
  }
  nn::ModulePtr gap, conv_gap, conv_last;
};

const int64_t kSemantic[] = {16, 32, 64, 128};

// stage1 (the stem, stride 4), stage2..4 (GE layers, strides 8, 16, 32), stage4_CEBlock.
class SemanticBranch : public nn::Module {
 public:
  SemanticBranch() : Module("SemanticBranch") {
    stages.push_back(register_module("stage1", std::make_shared<StemBlock>(3, kSemantic[0])));
    for (int i = 1; i < 4; ++i) {
      int64_t c = kSemantic[i];
      auto stage = sequential({std::make_shared<GELayer>(kSemantic[i - 1], c, 2)});
      for (int k = 0; k < (i == 3 ? 3 : 1); ++k)
        stage->push_back(std::make_shared<GELayer>(c, c, 1));
      stages.push_back(register_module("stage" + std::to_string(i + 1), stage));
    }
    stages.push_back(register_module("stage4_CEBlock", std::make_shared<CEBlock>(kSemantic[3])));
  }
  // Each stage's output, in order.
  std::vector<Tensor> forward_stages(const Tensor& x) {
    std::vector<Tensor> outs;
    Tensor y = x;
    for (const nn::ModulePtr& stage : stages) outs.push_back(y = stage->forward(y));
    return outs;
  }
  std::vector<nn::ModulePtr> stages;
};

// Bilateral guided aggregation: each branch gated by the sigmoid of the other at its own
// resolution, the low-resolution product upsampled and added, then a 3x3.
class BGALayer : public nn::Module {
 public:
  explicit BGALayer(int64_t c) : Module("BGALayer") {
    detail_dwconv = register_module("detail_dwconv", sequential({separable(c, c, 1, false)}));
    detail_down = register_module("detail_down",
                                  sequential({conv_module(c, c, 3, {.stride = 2, .act = false}),
                                              std::make_shared<nn::AvgPool2d>(3, 2, 1)}));
    semantic_conv =
        register_module("semantic_conv", sequential({conv_module(c, c, 3, {.act = false})}));
    semantic_dwconv = register_module("semantic_dwconv", sequential({separable(c, c, 1, false)}));
    conv = register_module("conv", conv_module(c, c, 3));
  }
  Tensor forward2(const Tensor& detail, const Tensor& semantic) {
    Tensor d = detail_dwconv->forward(detail);
    Tensor fuse1 = d * sigmoid(resize_as(semantic_conv->forward(semantic), d));
    Tensor fuse2 = detail_down->forward(detail) * sigmoid(semantic_dwconv->forward(semantic));
    return conv->forward(fuse1 + resize_as(fuse2, fuse1));
  }
  nn::ModulePtr detail_dwconv, detail_down, semantic_conv, semantic_dwconv, conv;
};

class BiSeNetV2Backbone : public nn::Module {
 public:
  BiSeNetV2Backbone() : Module("BiSeNetV2") {
    detail = register_module("detail", std::make_shared<DetailBranch>());
    semantic = register_module("semantic", std::make_shared<SemanticBranch>());
    bga = register_module("bga", std::make_shared<BGALayer>(128));
  }
  // mmseg's out_indices (0, 1, 2, 3, 4): "bga", then the semantic stages "stage1" .. "stage4".
  nn::OrderedDict<Tensor> forward_features(const Tensor& x) {
    std::vector<Tensor> s = semantic->forward_stages(x);
    nn::OrderedDict<Tensor> f;
    f.insert("bga", bga->forward2(detail->forward(x), s.back()));
    for (size_t i = 0; i + 1 < s.size(); ++i) f.insert("stage" + std::to_string(i + 1), s[i]);
    return f;
  }
  std::shared_ptr<DetailBranch> detail;
  std::shared_ptr<SemanticBranch> semantic;
  std::shared_ptr<BGALayer> bga;
};

// The auxiliary heads' channels, one per semantic stage (mmseg's config).
const int64_t kAuxChannels[] = {16, 64, 256, 1024};

class BiSeNetV2 : public SegmentationModel {
 public:
  explicit BiSeNetV2(const ModelOptions& o) : SegmentationModel("BiSeNetV2") {
    backbone = register_module("backbone", std::make_shared<BiSeNetV2Backbone>());
    decode_head = register_module("decode_head",
                                  std::make_shared<FCNHead>(128, o.num_classes, 1024, 1, "bga"));
    // mmcv's Kaiming init on every conv (fan_out, zero bias); the heads as mmseg's.
    backbone->apply([](nn::Module& m) {
      if (auto* c = m.as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(c->weight, 0, nn::init::FanMode::FanOut,
                                  nn::init::Nonlinearity::ReLU);
        if (c->bias.defined()) nn::init::zeros_(c->bias);
      }
    });
    init_decode_head(*decode_head);
    if (!o.aux) return;
    auxiliary_head = register_module("auxiliary_head", std::make_shared<nn::ModuleList>());
    for (int i = 0; i < 4; ++i) {
      auto head = std::make_shared<FCNHead>(kSemantic[i], o.num_classes, kAuxChannels[i], 2,
                                            "stage" + std::to_string(i + 1));
      init_decode_head(*head);
      aux_heads.push_back(auxiliary_head->push_back(head));
    }
  }

  Outputs forward_outputs(const Tensor& x) override {
    check_input("bisenetv2", x, 1);
    nn::OrderedDict<Tensor> f = backbone->forward_features(x);
    Outputs out;
    out.insert("out", resize_as(decode_head->forward(f), x));
    for (size_t i = 0; i < aux_heads.size(); ++i)
      out.insert("aux" + std::to_string(i + 1), resize_as(aux_heads[i]->forward(f), x));
    return out;
  }

  std::shared_ptr<BiSeNetV2Backbone> backbone;
  std::shared_ptr<FCNHead> decode_head;
  std::shared_ptr<nn::ModuleList> auxiliary_head;
  std::vector<std::shared_ptr<FCNHead>> aux_heads;
};

}  // namespace

std::shared_ptr<SegmentationModel> bisenetv2(const ModelOptions& options) {
  return std::make_shared<BiSeNetV2>(options);
}

}  // namespace tessel::models
