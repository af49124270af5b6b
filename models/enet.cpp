#include "models/enet.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

// A block's activation: ReLU, or a PReLU that the reference builds once per block and places
// after each of its conv-BNs and after the sum, so that the block has one shared slope, listed in
// the state dict at every place (PyTorch does the same).
nn::ModulePtr activation(bool relu) {
  if (relu) return std::make_shared<nn::ReLU>();
  return std::make_shared<nn::PReLU>();
}

// Conv (no bias) - BN - the block's activation: "0", "1", "2".
std::shared_ptr<nn::Sequential> conv_bn_act(int64_t in, int64_t out, nn::Int2 kernel,
                                            ConvBNOptions o, const nn::ModulePtr& act) {
  o.relu = false;
  auto seq = conv_bn(in, out, kernel, o);
  seq->push_back(act);
  return seq;
}

class InitialBlock : public nn::Module {
 public:
  InitialBlock(int64_t out, bool relu) : Module("InitialBlock") {
    main_branch = register_module("main_branch",
                                  std::make_shared<nn::Conv2d>(3, out - 3, 3, 2, 1, 1, 1, false));
    ext_branch = register_module("ext_branch", std::make_shared<nn::MaxPool2d>(3, 2, 1));
    batch_norm = register_module("batch_norm", std::make_shared<nn::BatchNorm2d>(out));
    out_prelu = register_module("out_prelu", activation(relu));
  }
  Tensor forward(const Tensor& x) override {
    Tensor both = cat({main_branch->forward(x), ext_branch->forward(x)}, 1);
    return out_prelu->forward(batch_norm->forward(both));
  }
  nn::ModulePtr main_branch, ext_branch, batch_norm, out_prelu;
};

// What the three bottlenecks share: the block's one activation, and after the branches they
// register, spatial dropout on the extension branch ("ext_regul") and the activation after the
// sum ("out_prelu"), registered last as in the reference.
class Bottleneck : public nn::Module {
 protected:
  Bottleneck(std::string type_name, bool relu)
      : Module(std::move(type_name)), act(activation(relu)) {}
  void finish(double dropout) {
    ext_regul = register_module("ext_regul", std::make_shared<nn::Dropout2d>(dropout));
    out_prelu = register_module("out_prelu", act);
  }
  Tensor merge(const Tensor& main, const Tensor& ext) {
    return out_prelu->forward(main + ext_regul->forward(ext));
  }
  nn::ModulePtr act, ext_regul, out_prelu;
};

// The shortcut plus a 1x1 projection to a quarter of the channels, a 3x3 (dilated) or 5x1 + 1x5
// convolution and a 1x1 expansion.
struct RegularSpec {
  const char* kind = "regular";  // "regular", "dilated" or "asymmetric": the block's name
  int64_t dilation = 1;
};

class RegularBottleneck : public Bottleneck {
 public:
  RegularBottleneck(int64_t channels, bool relu, double dropout, const RegularSpec& spec = {})
      : Bottleneck("RegularBottleneck", relu) {
    int64_t mid = channels / 4;
    ext_conv1 = register_module("ext_conv1", conv_bn_act(channels, mid, 1, {}, act));
    if (std::string(spec.kind) == "asymmetric") {
      auto conv2 = conv_bn_act(mid, mid, nn::Int2{5, 1}, {.padding = nn::Int2{2, 0}}, act);
      for (const nn::ModulePtr& m :
           conv_bn_act(mid, mid, nn::Int2{1, 5}, {.padding = nn::Int2{0, 2}}, act)->children())
        conv2->push_back(m);
      ext_conv2 = register_module("ext_conv2", conv2);
    } else {
      ext_conv2 =
          register_module("ext_conv2", conv_bn_act(mid, mid, 3, {.dilation = spec.dilation}, act));
    }
    ext_conv3 = register_module("ext_conv3", conv_bn_act(mid, channels, 1, {}, act));
    finish(dropout);
  }
  Tensor forward(const Tensor& x) override {
    return merge(x, ext_conv3->forward(ext_conv2->forward(ext_conv1->forward(x))));
  }
  nn::ModulePtr ext_conv1, ext_conv2, ext_conv3;
};

// 2x2 max pooling (indices kept) with zero channels appended, plus a strided 2x2 projection, a
// 3x3 and a 1x1 expansion.
class DownsamplingBottleneck : public Bottleneck {
 public:
  DownsamplingBottleneck(int64_t in, int64_t out, bool relu, double dropout)
      : Bottleneck("DownsamplingBottleneck", relu) {
    int64_t mid = in / 4;
    main_max1 = register_module("main_max1", std::make_shared<nn::MaxPool2d>(2, 2, 0, 1, true));
    ext_conv1 =
        register_module("ext_conv1", conv_bn_act(in, mid, 2, {.stride = 2, .padding = 0}, act));
    ext_conv2 = register_module("ext_conv2", conv_bn_act(mid, mid, 3, {}, act));
    ext_conv3 = register_module("ext_conv3", conv_bn_act(mid, out, 1, {}, act));
    finish(dropout);
  }
  // The output and the pooling's indices.
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x) {
    auto [main, indices] = main_max1->forward_with_indices(x);
    Tensor ext = ext_conv3->forward(ext_conv2->forward(ext_conv1->forward(x)));
    return {merge(pad(main, {0, 0, 0, 0, 0, ext.size(1) - main.size(1)}), ext), indices};
  }
  std::shared_ptr<nn::MaxPool2d> main_max1;
  nn::ModulePtr ext_conv1, ext_conv2, ext_conv3;
};

// A 1x1 conv-BN max-unpooled at the matching downsampling's indices, plus a 1x1 projection, a
// 2x2 transposed convolution and a 1x1 expansion; both branches at the size before that
// downsampling.
class UpsamplingBottleneck : public Bottleneck {
 public:
  UpsamplingBottleneck(int64_t in, int64_t out, bool relu, double dropout)
      : Bottleneck("UpsamplingBottleneck", relu) {
    int64_t mid = in / 4;
    main_conv1 = register_module("main_conv1", conv_bn(in, out, 1, {.relu = false}));
    main_unpool1 = register_module("main_unpool1", std::make_shared<nn::MaxUnpool2d>(2));
    ext_conv1 = register_module("ext_conv1", conv_bn_act(in, mid, 1, {}, act));
    ext_tconv1 = register_module(
        "ext_tconv1", std::make_shared<nn::ConvTranspose2d>(mid, mid, 2, 2, 0, 0, 1, false));
    ext_tconv1_bnorm = register_module("ext_tconv1_bnorm", std::make_shared<nn::BatchNorm2d>(mid));
    ext_tconv1_activation = register_module("ext_tconv1_activation", act);
    ext_conv2 = register_module("ext_conv2", conv_bn_act(mid, out, 1, {}, act));
    finish(dropout);
  }
  Tensor forward(const Tensor& x, const Tensor& indices, Size2 size) {
    Tensor main = main_unpool1->forward(main_conv1->forward(x), indices, size);
    Tensor ext = ext_tconv1->forward(ext_conv1->forward(x), size);
    ext = ext_tconv1_activation->forward(ext_tconv1_bnorm->forward(ext));
    return merge(main, ext_conv2->forward(ext));
  }
  nn::ModulePtr main_conv1, ext_conv1, ext_tconv1_bnorm, ext_tconv1_activation, ext_conv2;
  std::shared_ptr<nn::MaxUnpool2d> main_unpool1;
  std::shared_ptr<nn::ConvTranspose2d> ext_tconv1;
};

// Stages 2 and 3 repeat this sequence at 128 channels (stage 2 numbers its blocks from 1, stage
// 3 from 0).
const RegularSpec kMiddle[] = {{"regular", 1}, {"dilated", 2}, {"asymmetric", 1}, {"dilated", 4},
                               {"regular", 1}, {"dilated", 8}, {"asymmetric", 1}, {"dilated", 16}};

using Blocks = std::vector<std::shared_ptr<RegularBottleneck>>;

class ENet : public SegmentationModel {
 public:
  explicit ENet(int64_t num_classes) : SegmentationModel("ENet") {
    const bool encoder_relu = false, decoder_relu = true;
    initial_block =
        register_module("initial_block", std::make_shared<InitialBlock>(16, encoder_relu));
    downsample1_0 = register_module(
        "downsample1_0", std::make_shared<DownsamplingBottleneck>(16, 64, encoder_relu, 0.01));
    for (int i = 1; i <= 4; ++i)
      add(stage1, "regular1_" + std::to_string(i), 64, encoder_relu, 0.01);
    downsample2_0 = register_module(
        "downsample2_0", std::make_shared<DownsamplingBottleneck>(64, 128, encoder_relu, 0.1));
    for (auto [stage, first] : {std::pair{2, 1}, std::pair{3, 0}})
      for (int i = 0; i < 8; ++i)
        add(middle,
            std::string(kMiddle[i].kind) + std::to_string(stage) + "_" + std::to_string(first + i),
            128, encoder_relu, 0.1, kMiddle[i]);
    upsample4_0 = register_module(
        "upsample4_0", std::make_shared<UpsamplingBottleneck>(128, 64, decoder_relu, 0.1));
    for (int i = 1; i <= 2; ++i)
      add(stage4, "regular4_" + std::to_string(i), 64, decoder_relu, 0.1);
    upsample5_0 = register_module(
        "upsample5_0", std::make_shared<UpsamplingBottleneck>(64, 16, decoder_relu, 0.1));
    add(stage5, "regular5_1", 16, decoder_relu, 0.1);
    transposed_conv = register_module(
        "transposed_conv",
        std::make_shared<nn::ConvTranspose2d>(16, num_classes, 3, 2, 1, 0, 1, false));
  }

  Outputs forward_outputs(const Tensor& x) override {
    check_input("enet", x, 1);
    Tensor y = initial_block->forward(x);
    Size2 size1{y.size(2), y.size(3)};
    auto [y1, indices1] = downsample1_0->forward_with_indices(y);
    y = run(stage1, y1);
    Size2 size2{y.size(2), y.size(3)};
    auto [y2, indices2] = downsample2_0->forward_with_indices(y);
    y = run(stage4, upsample4_0->forward(run(middle, y2), indices2, size2));
    y = run(stage5, upsample5_0->forward(y, indices1, size1));
    Outputs out;
    out.insert("out", transposed_conv->forward(y, {x.size(2), x.size(3)}));
    return out;
  }

  std::shared_ptr<InitialBlock> initial_block;
  std::shared_ptr<DownsamplingBottleneck> downsample1_0, downsample2_0;
  std::shared_ptr<UpsamplingBottleneck> upsample4_0, upsample5_0;
  Blocks stage1, middle, stage4, stage5;
  std::shared_ptr<nn::ConvTranspose2d> transposed_conv;

 private:
  void add(Blocks& blocks, const std::string& name, int64_t channels, bool relu, double dropout,
           const RegularSpec& spec = {}) {
    blocks.push_back(
        register_module(name, std::make_shared<RegularBottleneck>(channels, relu, dropout, spec)));
  }
  static Tensor run(const Blocks& blocks, Tensor y) {
    for (const auto& b : blocks) y = b->forward(y);
    return y;
  }
};

}  // namespace

std::shared_ptr<SegmentationModel> enet(const ModelOptions& options) {
  TESSEL_CHECK(!options.aux, "enet: has no auxiliary head; options.aux must be false");
  return std::make_shared<ENet>(options.num_classes);
}

}  // namespace tessel::models
