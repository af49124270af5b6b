#include "models/ddrnet.h"

#include "engine/ops.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

Tensor resize(const Tensor& x, const Tensor& like) {
  return upsample_bilinear(x, {.size = Size2{like.size(2), like.size(3)}});
}

// SuperGradients' BasicResNetBlock (two 3x3) or Bottleneck (1x1, strided 3x3, 1x1 expanding by
// `expansion`), with a 1x1 projection as "shortcut" when the shape changes. The last block of a
// DDRNet stage leaves out its final ReLU: the fusion adds into it first.
class ResidualBlock : public nn::Module {
 public:
  ResidualBlock(int64_t in, int64_t planes, int64_t stride, int64_t expansion, bool bottleneck,
                bool final_relu)
      : Module(bottleneck ? "Bottleneck" : "BasicResNetBlock"), final_relu_(final_relu) {
    std::vector<std::array<int64_t, 4>> convs;  // in, out, kernel, stride
    if (bottleneck)
      convs = {{in, planes, 1, 1}, {planes, planes, 3, stride}, {planes, planes * expansion, 1, 1}};
    else
      convs = {{in, planes, 3, stride}, {planes, planes, 3, 1}};
    for (size_t i = 0; i < convs.size(); ++i) {
      auto [cin, cout, k, s] = convs[i];
      std::string n = std::to_string(i + 1);
      convs_.push_back(register_module(
          "conv" + n, std::make_shared<nn::Conv2d>(cin, cout, k, s, k / 2, 1, 1, false)));
      bns_.push_back(register_module("bn" + n, std::make_shared<nn::BatchNorm2d>(cout)));
    }
    if (stride != 1 || in != planes * expansion)
      shortcut_ = register_module(
          "shortcut", conv_bn(in, planes * expansion, 1, {.stride = stride, .relu = false}));
  }

  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (size_t i = 0; i < convs_.size(); ++i) {
      y = bns_[i]->forward(convs_[i]->forward(y));
      if (i + 1 < convs_.size()) y = relu(y);
    }
    y = y + (shortcut_ ? shortcut_->forward(x) : x);
    return final_relu_ ? relu(y) : y;
  }

 private:
  bool final_relu_;
  std::vector<std::shared_ptr<nn::Conv2d>> convs_;
  std::vector<std::shared_ptr<nn::BatchNorm2d>> bns_;
  nn::ModulePtr shortcut_;
};

std::shared_ptr<nn::Sequential> make_layer(int64_t in, int64_t planes, int64_t blocks,
                                           int64_t stride = 1, int64_t expansion = 1,
                                           bool bottleneck = false) {
  auto layer = std::make_shared<nn::Sequential>();
  for (int64_t i = 0; i < blocks; ++i)
    layer->push_back(std::make_shared<ResidualBlock>(i == 0 ? in : planes * expansion, planes,
                                                     i == 0 ? stride : 1, expansion, bottleneck,
                                                     i + 1 < blocks));
  return layer;
}

// BN - ReLU - conv (pre-activation), as DAPPM and the heads order them; appended to `seq` when
// given (DAPPM's pooled branches put a pooling first).
std::shared_ptr<nn::Sequential> bn_relu_conv(int64_t in, int64_t out, int64_t kernel,
                                             std::shared_ptr<nn::Sequential> seq = nullptr) {
  if (!seq) seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::BatchNorm2d>(in));
  seq->push_back(std::make_shared<nn::ReLU>());
  seq->push_back(std::make_shared<nn::Conv2d>(in, out, kernel, 1, kernel / 2, 1, 1, false));
  return seq;
}

// One scale of DAPPM: average pooling (stride 0: global, 1: none), BN-ReLU-1x1, back to the
// input's size; every branch but the first adds the previous branch's output and refines the
// sum with a 3x3 ("process"), so that coarse context flows into finer scales. The pooling is
// down_scale's first module, as in SuperGradients' state dict ("down_scale.1" is then the BN).
class DAPPMBranch : public nn::Module {
 public:
  DAPPMBranch(int64_t kernel, int64_t stride, int64_t in, int64_t planes) : Module("DAPPMBranch") {
    auto pooling = std::make_shared<nn::Sequential>();
    if (stride == 0)
      pooling->push_back(std::make_shared<nn::AdaptiveAvgPool2d>(1));
    else if (stride > 1)
      pooling->push_back(std::make_shared<nn::AvgPool2d>(kernel, stride, stride));
    down_scale = register_module("down_scale", bn_relu_conv(in, planes, 1, pooling));
    if (stride != 1) process = register_module("process", bn_relu_conv(planes, planes, 3));
  }

  // `previous` is undefined for the first branch.
  Tensor forward(const Tensor& x, const Tensor& previous) {
    Tensor y = resize(down_scale->forward(x), x);
    return previous.defined() ? process->forward(y + previous) : y;
  }

  std::shared_ptr<nn::Sequential> down_scale, process;
};

class DAPPM : public nn::Module {
 public:
  DAPPM(int64_t in, int64_t planes, int64_t out) : Module("DAPPM") {
    branches = register_module("branches", std::make_shared<nn::ModuleList>());
    for (auto [kernel, stride] : {std::pair{1, 1}, {5, 2}, {9, 4}, {17, 8}, {0, 0}})
      scales_.push_back(
          branches->push_back(std::make_shared<DAPPMBranch>(kernel, stride, in, planes)));
    compression = register_module(
        "compression", bn_relu_conv(planes * static_cast<int64_t>(branches->size()), out, 1));
    shortcut = register_module("shortcut", bn_relu_conv(in, out, 1));
  }

  Tensor forward(const Tensor& x) override {
    std::vector<Tensor> scales;
    for (const auto& branch : scales_)
      scales.push_back(branch->forward(x, scales.empty() ? Tensor() : scales.back()));
    return compression->forward(cat(scales, 1)) + shortcut->forward(x);
  }

  std::shared_ptr<nn::ModuleList> branches;
  std::shared_ptr<nn::Sequential> compression, shortcut;

 private:
  std::vector<std::shared_ptr<DAPPMBranch>> scales_;
};

// BN-ReLU-3x3 then BN-ReLU-1x1 to the classes, at the features' resolution (the model resizes).
class SegmentHead : public nn::Module {
 public:
  SegmentHead(int64_t in, int64_t inter, int64_t classes) : Module("SegmentHead") {
    bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(in));
    conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(in, inter, 3, 1, 1, 1, 1, false));
    bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(inter));
    conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(inter, classes, 1));
  }
  Tensor forward(const Tensor& x) override {
    return conv2->forward(relu(bn2->forward(conv1->forward(relu(bn1->forward(x))))));
  }
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2;
  std::shared_ptr<nn::Conv2d> conv1, conv2;
};

// The low-resolution branch up to stage 4 (SuperGradients' BasicDDRBackBone).
struct DDRBackbone : nn::Module {
  DDRBackbone(const DDRNetConfig& c) : Module("BasicDDRBackBone") {
    int64_t w = c.width;
    stem = register_module("stem",
                           std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                               conv_bn(3, w, 3, {.stride = 2, .bias = true}),
                               conv_bn(w, w, 3, {.stride = 2, .bias = true})}));
    layer1 = register_module("layer1", make_layer(w, w, c.layers[0]));
    layer2 = register_module("layer2", make_layer(w, 2 * w, c.layers[1], 2));
    layer3 = register_module("layer3", std::make_shared<nn::ModuleList>());
    for (int64_t i = 0; i < c.layer3_repeats; ++i)
      layer3->push_back(make_layer(i ? 4 * w : 2 * w, 4 * w, c.layers[2], i ? 1 : 2));
    layer4 = register_module("layer4", make_layer(4 * w, 8 * w, c.layers[3], 2));
  }
  std::shared_ptr<nn::Sequential> stem, layer1, layer2, layer4;
  std::shared_ptr<nn::ModuleList> layer3;
};

class DDRNet : public SegmentationModel {
 public:
  DDRNet(const DDRNetConfig& c, const ModelOptions& o) : SegmentationModel("DDRNet") {
    int64_t w = c.width, high = c.highres_planes;
    backbone = register_module("_backbone", std::make_shared<DDRBackbone>(c));
    compression3 = register_module("compression3", std::make_shared<nn::ModuleList>());
    down3 = register_module("down3", std::make_shared<nn::ModuleList>());
    layer3_skip = register_module("layer3_skip", std::make_shared<nn::ModuleList>());
    for (int64_t i = 0; i < c.layer3_repeats; ++i) {
      compression3->push_back(conv_bn(4 * w, high, 1, {.relu = false}));
      down3->push_back(conv_bn(high, 4 * w, 3, {.stride = 2, .relu = false}));
      layer3_skip->push_back(make_layer(i ? high : 2 * w, high, c.layers[5]));
    }
    compression4 = register_module("compression4", conv_bn(8 * w, high, 1, {.relu = false}));
    down4 = register_module("down4",
                            std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                                conv_bn(high, 2 * high, 3, {.stride = 2}),
                                conv_bn(2 * high, 8 * w, 3, {.stride = 2, .relu = false})}));
    layer4_skip = register_module("layer4_skip", make_layer(high, high, c.layers[6]));
    // Bottlenecks expanding by 2: the fused features have 2 * highres_planes channels.
    layer5_skip = register_module("layer5_skip", make_layer(high, high, c.layers[7], 1, 2, true));
    layer5 = register_module("layer5", make_layer(8 * w, 8 * w, c.layers[4], 2, 2, true));
    spp = register_module("spp", std::make_shared<DAPPM>(16 * w, 128, 2 * high));
    final_layer = register_module(
        "final_layer", std::make_shared<SegmentHead>(2 * high, c.head_planes, o.num_classes));
    if (o.aux)
      seghead_extra = register_module(
          "seghead_extra", std::make_shared<SegmentHead>(high, c.head_planes, o.num_classes));
    // SuperGradients' initialisation; BatchNorm keeps ones and zeros.
    apply([](nn::Module& m) {
      if (auto* conv = m.as<nn::Conv2d>())
        nn::init::kaiming_normal_(conv->weight, 0, nn::init::FanMode::FanOut,
                                  nn::init::Nonlinearity::ReLU);
    });
  }

  // SuperGradients pretrains the high-resolution branch with the backbone ("_bb_imagenet").
  std::vector<std::string> backbone_paths() const override {
    return {"_backbone",    "compression3", "down3",       "layer3_skip",
            "compression4", "down4",        "layer4_skip", "layer5_skip"};
  }

  Outputs forward_outputs(const Tensor& input) override {
    TESSEL_CHECK(input.dim() == 4, type_name(), ": input must be [N, C, H, W], got ",
                 shape_str(input.sizes()));
    Tensor x =
        backbone->layer2->forward(relu(backbone->layer1->forward(backbone->stem->forward(input))));
    // Each stage's inputs pass a ReLU first: the blocks' outputs leave it out for the fusion.
    Tensor x_skip = x;
    for (size_t i = 0; i < backbone->layer3->size(); ++i) {
      Tensor low = (*backbone->layer3)[i]->forward(relu(x));
      Tensor high = (*layer3_skip)[i]->forward(relu(x_skip));
      x = low + (*down3)[i]->forward(relu(high));
      x_skip = high + resize((*compression3)[i]->forward(relu(low)), high);
    }
    Tensor after_stage3 = x_skip;
    Tensor low = backbone->layer4->forward(relu(x));
    Tensor high = layer4_skip->forward(relu(x_skip));
    x = low + down4->forward(relu(high));
    x_skip = high + resize(compression4->forward(relu(low)), high);
    Tensor fused = layer5_skip->forward(relu(x_skip));
    fused = fused + resize(spp->forward(layer5->forward(relu(x))), fused);
    Outputs outputs;
    outputs.insert("out", resize(final_layer->forward(fused), input));
    if (seghead_extra) outputs.insert("aux", resize(seghead_extra->forward(after_stage3), input));
    return outputs;
  }

  std::shared_ptr<DDRBackbone> backbone;
  std::shared_ptr<nn::ModuleList> compression3, down3, layer3_skip;
  std::shared_ptr<nn::Sequential> compression4, down4, layer4_skip, layer5_skip, layer5;
  std::shared_ptr<DAPPM> spp;
  std::shared_ptr<SegmentHead> final_layer, seghead_extra;
};

}  // namespace

DDRNetConfig ddrnet_23_slim_config() {
  return {32, 64, 64, {2, 2, 2, 2, 1, 2, 2, 1}, 1};
}
DDRNetConfig ddrnet_23_config() {
  return {64, 128, 128, {2, 2, 2, 2, 1, 2, 2, 1}, 1};
}
DDRNetConfig ddrnet_39_config() {
  return {64, 128, 256, {3, 4, 3, 3, 1, 3, 3, 1}, 2};
}

std::shared_ptr<SegmentationModel> ddrnet(const DDRNetConfig& config, const ModelOptions& options) {
  return std::make_shared<DDRNet>(config, options);
}

}  // namespace tessel::models
