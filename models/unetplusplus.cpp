#include "models/unetplusplus.h"

#include <map>

#include "engine/ops.h"
#include "models/blocks.h"
#include "models/conv_bn.h"

namespace tessel::models {
namespace {

// SMP's DecoderBlock without attention: "conv1", "conv2", each 3x3 Conv-BN-ReLU.
std::shared_ptr<nn::ModuleDict> decoder_block(int64_t in, int64_t out) {
  return group({{"conv1", conv_bn(in, out, 3)}, {"conv2", conv_bn(out, out, 3)}});
}

std::string node(int64_t depth, int64_t layer) {
  return "x_" + std::to_string(depth) + "_" + std::to_string(layer);
}

// Channels per layer (from layer4 up): the input of depth 0, the encoder's skip, the output.
constexpr int64_t kIn[] = {512, 256, 128, 64, 32}, kSkip[] = {256, 128, 64, 64, 0},
                  kOut[] = {256, 128, 64, 32, 16};
constexpr int64_t kLayers = 4;  // layers with skips; x_0_4 is the last, skipless node

}  // namespace

UnetPlusPlusResNet34::UnetPlusPlusResNet34(const ModelOptions& options)
    : SmpResNet("UnetPlusPlusResNet34", "unetplusplus_resnet34", options) {
  blocks = std::make_shared<nn::ModuleDict>();
  for (int64_t l = 0; l < kLayers; ++l)
    for (int64_t d = 0; d <= l; ++d) {
      const int64_t skip = kSkip[l] * (l + 1 - d);
      blocks->insert(node(d, l), d == 0 ? decoder_block(kIn[l] + skip, kOut[l])
                                        : decoder_block(kSkip[l - 1] + skip, kSkip[l]));
    }
  blocks->insert(node(0, kLayers), decoder_block(kIn[kLayers], kOut[kLayers]));
  register_module("decoder", group({{"blocks", blocks}}));
  register_head(kOut[kLayers], 3);
}

Outputs UnetPlusPlusResNet34::forward_outputs(const Tensor& x) {
  std::vector<Tensor> pyramid = features(x);                // the stem, layer1 .. layer4
  std::vector<Tensor> f(pyramid.rbegin(), pyramid.rend());  // layer4 .. the stem
  std::map<std::string, Tensor> dense;
  // Node x_d_l: the node below it (or layer4 .. for depth 0 at the diagonal) doubled, then the
  // nodes to its left at its size and the encoder's skip, through the block's two convolutions.
  auto run = [&](int64_t d, int64_t l, const Tensor& below, const Tensor& skip) {
    const auto& b = (*blocks)[node(d, l)]->as<nn::ModuleDict>();
    Tensor y = upsample_nearest(below, {.scale_factor = Scale2{2, 2}});
    if (skip.defined()) y = cat({y, skip}, 1);
    dense[node(d, l)] = (*b)["conv2"]->forward((*b)["conv1"]->forward(y));
  };
  for (int64_t layer = 0; layer < kLayers; ++layer)
    for (int64_t d = 0; d < kLayers - layer; ++d) {
      if (layer == 0) {
        run(d, d, f[size_t(d)], f[size_t(d + 1)]);
        continue;
      }
      const int64_t l = d + layer;
      std::vector<Tensor> parts;
      for (int64_t k = d + 1; k <= l; ++k) parts.push_back(dense.at(node(k, l)));
      parts.push_back(f[size_t(l + 1)]);
      run(d, l, dense.at(node(d, l - 1)), cat(parts, 1));
    }
  run(0, kLayers, dense.at(node(0, kLayers - 1)), Tensor());
  return Outputs{{"out", classifier->forward(dense.at(node(0, kLayers)))}};
}

}  // namespace tessel::models
