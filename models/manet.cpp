#include "models/manet.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

// SMP's PABBlock on [B, C, H, W]: the attention of every position over every other, from 1x1
// projections to 64 channels, applied to a 3x3 projection of x and added to x, then a 3x3
// convolution.
class PositionAttention : public nn::Module {
 public:
  explicit PositionAttention(int64_t channels, int64_t inner = 64) : Module("PABBlock") {
    top_conv = register_module("top_conv", std::make_shared<nn::Conv2d>(channels, inner, 1));
    center_conv = register_module("center_conv", std::make_shared<nn::Conv2d>(channels, inner, 1));
    bottom_conv =
        register_module("bottom_conv", std::make_shared<nn::Conv2d>(channels, channels, 3, 1, 1));
    out_conv =
        register_module("out_conv", std::make_shared<nn::Conv2d>(channels, channels, 3, 1, 1));
  }

  Tensor forward(const Tensor& x) override {
    const int64_t b = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
    Tensor top = top_conv->forward(x).flatten(2);                        // [B, 64, HW]
    Tensor center = center_conv->forward(x).flatten(2).transpose(1, 2);  // [B, HW, 64]
    Tensor bottom = bottom_conv->forward(x).flatten(2).transpose(1, 2);  // [B, HW, C]
    // One softmax over all HW x HW pairs of an image, not per row: SMP's view(B, -1).
    Tensor map = softmax(matmul(center, top).reshape({b, hw * hw}), 1).reshape({b, hw, hw});
    // [B, HW, C] read back as [B, C, H, W] without a transpose, as SMP's reshape does.
    Tensor attended = matmul(map, bottom).reshape({b, c, x.size(2), x.size(3)});
    return out_conv->forward(x + attended);
  }

  std::shared_ptr<nn::Conv2d> top_conv, center_conv, bottom_conv, out_conv;
};

// Squeeze-excitation gate: global average, 1x1 down by `reduction`, ReLU, 1x1 up, sigmoid
// (SMP's SE_ll / SE_hl, children "1" and "3" carrying the weights).
std::shared_ptr<nn::Sequential> gate(int64_t channels, int64_t reduction) {
  const int64_t reduced = std::max<int64_t>(1, channels / reduction);
  return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::AdaptiveAvgPool2d>(1),
      std::make_shared<nn::Conv2d>(channels, reduced, 1), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Conv2d>(reduced, channels, 1), std::make_shared<nn::Sigmoid>()});
}

// SMP's MFABBlock (with a skip) and DecoderBlock (without).
class FusionBlock : public nn::Module {
 public:
  FusionBlock(int64_t in, int64_t skip, int64_t out) : Module(skip ? "MFABBlock" : "DecoderBlock") {
    if (skip) {
      hl_conv = register_module(
          "hl_conv", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                         conv_bn(in, in, 3), conv_bn(in, skip, 1)}));
      se_ll = register_module("SE_ll", gate(skip, 16));
      se_hl = register_module("SE_hl", gate(skip, 16));
    }
    conv1 = register_module("conv1", conv_bn(skip ? 2 * skip : in, out, 3));
    conv2 = register_module("conv2", conv_bn(out, out, 3));
  }

  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }

  Tensor forward(const Tensor& x, const Tensor& skip) {
    Tensor y = x;
    if (hl_conv) y = hl_conv->forward(y);
    y = upsample_nearest(y, {.scale_factor = Scale2{2, 2}});
    if (skip.defined()) y = cat({y * (se_hl->forward(y) + se_ll->forward(skip)), skip}, 1);
    return conv2->forward(conv1->forward(y));
  }

  std::shared_ptr<nn::Sequential> hl_conv, se_ll, se_hl, conv1, conv2;
};

}  // namespace

MAnetResNet34::MAnetResNet34(const ModelOptions& options)
    : SmpResNet("MAnetResNet34", "manet_resnet34", options) {
  center = std::make_shared<PositionAttention>(512);
  blocks = std::make_shared<nn::ModuleList>();
  const int64_t in[] = {512, 256, 128, 64, 32}, skip[] = {256, 128, 64, 64, 0},
                out[] = {256, 128, 64, 32, 16};
  for (int i = 0; i < 5; ++i)
    blocks->push_back(std::make_shared<FusionBlock>(in[i], skip[i], out[i]));
  register_module("decoder", group({{"center", center}, {"blocks", blocks}}));
  register_head(16, 3);
}

Outputs MAnetResNet34::forward_outputs(const Tensor& x) {
  std::vector<Tensor> skips = features(x);  // the stem, layer1 .. layer4
  Tensor y = center->forward(skips.back());
  skips.pop_back();
  for (size_t i = 0; i < blocks->size(); ++i) {
    Tensor skip = i < skips.size() ? skips[skips.size() - 1 - i] : Tensor();
    y = (*blocks)[i]->as<FusionBlock>()->forward(y, skip);
  }
  return Outputs{{"out", classifier->forward(y)}};
}

}  // namespace tessel::models
