// The Mix Transformer (MiT) encoder of SegFormer (Xie et al. 2021) with HuggingFace's module
// names (transformers' SegformerEncoder: patch_embeddings.i, block.i.j, layer_norm.i), so weights
// of the nvidia/mit-b* and segformer-b* checkpoints load unchanged. Four stages, each an
// overlapping patch embedding (a strided convolution), transformer layers with efficient
// self-attention (keys and values from a sequence reduced by a strided convolution) and Mix-FFN
// (a depthwise 3x3 convolution between the two linear layers instead of position embeddings).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/blocks.h"
#include "nn/nn.h"

namespace tessel::models {

// Per stage; the defaults are MiT-B0.
struct MixTransformerOptions {
  std::array<int64_t, 4> hidden_sizes = {32, 64, 160, 256};
  std::array<int64_t, 4> depths = {2, 2, 2, 2};
  std::array<int64_t, 4> num_heads = {1, 2, 5, 8};
  std::array<int64_t, 4> sr_ratios = {8, 4, 2, 1};
  std::array<int64_t, 4> patch_sizes = {7, 3, 3, 3};
  std::array<int64_t, 4> strides = {4, 2, 2, 2};
  int64_t mlp_ratio = 4;
  // Stochastic depth, rising linearly from 0 over the layers of all stages.
  double drop_path_rate = 0.1;
};

// Tokens [N, H * W, C] with the spatial size they came from.
struct Tokens {
  Tensor x;
  int64_t height, width;
};

// Conv (kernel patch_size, stride, padding patch_size / 2) then LayerNorm over channels:
// "proj", "layer_norm".
class OverlapPatchEmbeddings : public nn::Module {
 public:
  OverlapPatchEmbeddings(int64_t patch_size, int64_t stride, int64_t in_channels,
                         int64_t hidden_size);
  Tokens forward_tokens(const Tensor& image);

  std::shared_ptr<nn::Conv2d> proj;
  std::shared_ptr<nn::LayerNorm> layer_norm;
};

// Multi-head attention whose keys and values come from the tokens downsampled by sr_ratio
// ("sr", a conv with kernel = stride = sr_ratio, then "layer_norm"), which cuts the cost from
// (HW)^2 to (HW)^2 / sr_ratio^2: "query", "key", "value", and "sr", "layer_norm" when sr_ratio > 1.
class EfficientSelfAttention : public nn::Module {
 public:
  EfficientSelfAttention(int64_t hidden_size, int64_t num_heads, int64_t sr_ratio);
  using nn::Module::forward;
  Tensor forward(const Tokens& tokens);

  int64_t num_heads, sr_ratio;
  std::shared_ptr<nn::Linear> query, key, value;
  std::shared_ptr<nn::Conv2d> sr;
  std::shared_ptr<nn::LayerNorm> layer_norm;
};

// Stochastic depth (HuggingFace's SegformerDropPath): in training, a residual branch is zeroed for
// whole samples with probability p and kept ones are scaled by 1 / (1 - p). A Dropout, so that
// whatever turns dropout off (p = 0) turns this off too.
class DropPath : public nn::Dropout {
 public:
  explicit DropPath(double p) : nn::Dropout("SegformerDropPath", p) {}
  Tensor forward(const Tensor& branch) override;
};

// Pre-norm residual layer: x + attention(layer_norm_1(x)), then x + mlp(layer_norm_2(x)), each
// branch through "drop_path". Children "layer_norm_1", "attention" ("self", "output.dense"),
// "drop_path", "layer_norm_2", "mlp" ("dense1", "dwconv.dwconv",
// "dense2"; GELU after the depthwise conv).
class MixTransformerLayer : public nn::Module {
 public:
  MixTransformerLayer(int64_t hidden_size, int64_t num_heads, int64_t sr_ratio, int64_t mlp_ratio,
                      double drop_path_rate);
  using nn::Module::forward;
  Tensor forward(const Tokens& tokens);

  std::shared_ptr<DropPath> drop_path;
  std::shared_ptr<nn::LayerNorm> layer_norm_1, layer_norm_2;
  std::shared_ptr<EfficientSelfAttention> self_attention;  // "attention.self"
  std::shared_ptr<nn::Linear> attention_output;            // "attention.output.dense"
  std::shared_ptr<nn::Linear> dense1, dense2;              // "mlp.dense1", "mlp.dense2"
  std::shared_ptr<nn::Conv2d> dwconv;                      // "mlp.dwconv.dwconv"
};

class MixTransformer : public nn::Module {
 public:
  explicit MixTransformer(MixTransformerOptions options = {});

  // Each stage's output [N, hidden_sizes[i], H / s, W / s] for s = 4, 8, 16, 32.
  std::vector<Tensor> forward_features(const Tensor& x);

  MixTransformerOptions options;
  std::shared_ptr<nn::ModuleList> patch_embeddings, block, layer_norm;
};

}  // namespace tessel::models
