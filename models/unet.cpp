#include "models/unet.h"

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

// milesial's DoubleConv: two 3x3 Conv-BN-ReLU, the first to `mid` channels.
std::shared_ptr<nn::Sequential> double_conv(int64_t in_channels, int64_t out_channels,
                                            int64_t mid = 0, bool batch_norm = true) {
  if (mid == 0) mid = out_channels;
  return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      conv_bn(in_channels, mid, 3, {.batch_norm = batch_norm}),
      conv_bn(mid, out_channels, 3, {.batch_norm = batch_norm})});
}

void check_no_aux(const std::string& model, const ModelOptions& options) {
  TESSEL_CHECK(!options.aux, model, ": has no auxiliary heads, but options.aux is true");
}

}  // namespace

UNet::UNet(const ModelOptions& options) : SegmentationModel("UNet") {
  check_no_aux("unet", options);
  encoder = register_module("encoder", std::make_shared<nn::ModuleList>());
  upsample = register_module("upsample", std::make_shared<nn::ModuleList>());
  decoder = register_module("decoder", std::make_shared<nn::ModuleList>());
  const UNetOptions& u = options.unet;
  TESSEL_CHECK(u.depth >= 1 && u.depth <= 6, "unet: model.unet.depth is ", u.depth,
               "; it must be 1 to 6");
  TESSEL_CHECK(u.base_width >= 2 && u.base_width <= 256 && u.base_width % 2 == 0,
               "unet: model.unet.base_width is ", u.base_width, "; it must be even, 2 to 256");
  depth_ = u.depth;
  // Level l has base_width << l channels; bilinear upsampling adds no channels, so the deepest
  // level and every decoder level but the last give half theirs (milesial's `factor`).
  const int64_t w = u.base_width, factor = u.bilinear ? 2 : 1;
  const bool bn = u.batch_norm;
  encoder->push_back(double_conv(3, w, 0, bn));
  for (int64_t l = 1; l <= u.depth; ++l) {
    const int64_t out = (w << l) / (l == u.depth ? factor : 1);
    encoder->push_back(double_conv(w << (l - 1), out, 0, bn));
  }
  for (int64_t l = u.depth; l >= 1; --l) {
    const int64_t in = w << l, out = (w << (l - 1)) / (l == 1 ? 1 : factor);
    if (u.bilinear) {
      upsample->push_back(std::make_shared<nn::Upsample>(
          nn::Upsample::Options{.scale_factor = 2.0, .mode = "bilinear", .align_corners = true}));
      decoder->push_back(double_conv(in, out, in / 2, bn));
    } else {
      upsample->push_back(std::make_shared<nn::ConvTranspose2d>(in, in / 2, 2, 2));
      decoder->push_back(double_conv(in, out, 0, bn));
    }
  }
  classifier =
      register_module("classifier", std::make_shared<nn::Conv2d>(w, options.num_classes, 1));
}

Outputs UNet::forward_outputs(const Tensor& x) {
  check_input("unet", x, input_multiple());
  std::vector<Tensor> skips;
  Tensor y = x;
  for (size_t level = 0; level < encoder->size(); ++level) {
    if (level > 0) y = max_pool2d(y, {2, 2});
    y = (*encoder)[level]->forward(y);
    skips.push_back(y);
  }
  skips.pop_back();  // the bottleneck is y itself
  for (size_t level = 0; level < decoder->size(); ++level) {
    y = (*upsample)[level]->forward(y);
    y = (*decoder)[level]->forward(cat({skips[skips.size() - 1 - level], y}, 1));
  }
  return Outputs{{"out", classifier->forward(y)}};
}

namespace {
// SMP's UnetDecoderBlock: conv1 (the upsampled input and the skip) and conv2, each conv-BN-ReLU.
struct UnetDecoderBlock : nn::Module {
  std::shared_ptr<nn::Sequential> conv1, conv2;
  UnetDecoderBlock(int64_t in, int64_t out) : Module("DecoderBlock") {
    conv1 = register_module("conv1", conv_bn(in, out, 3));
    conv2 = register_module("conv2", conv_bn(out, out, 3));
  }
  Tensor forward(const Tensor& x) override { return conv2->forward(conv1->forward(x)); }
};
}  // namespace

UNetResNet::UNetResNet(int64_t depth, const ModelOptions& options)
    : SmpResNet("UNetResNet" + std::to_string(depth), "unet_resnet" + std::to_string(depth),
                options, depth) {
  blocks = std::make_shared<nn::ModuleList>();
  // Inputs: layer4, then each block's output; skips: layer3, layer2, layer1, the stem (stride
  // 2); the last block has none.
  const int64_t skip[] = {encoder->out_channels(3), encoder->out_channels(2),
                          encoder->out_channels(1), 64, 0},
                out[] = {256, 128, 64, 32, 16};
  int64_t in = encoder->out_channels(4);
  for (int i = 0; i < 5; ++i) {
    blocks->push_back(std::make_shared<UnetDecoderBlock>(in + skip[i], out[i]));
    in = out[i];
  }
  register_module("decoder", group({{"blocks", blocks}}));
  register_head(16, 3);
}

Outputs UNetResNet::forward_outputs(const Tensor& x) {
  std::vector<Tensor> skips = features(x);
  Tensor y = skips.back();  // layer4 is the decoder's input
  skips.pop_back();
  for (size_t block = 0; block < blocks->size(); ++block) {
    y = upsample2_nearest(y);
    if (block < skips.size()) y = cat({y, skips[skips.size() - 1 - block]}, 1);
    y = (*blocks)[block]->forward(y);
  }
  return Outputs{{"out", classifier->forward(y)}};
}

}  // namespace tessel::models
