#include "models/mix_transformer.h"

#include <cmath>

#include "engine/ops.h"

namespace tessel::models {
namespace {

// [N, H * W, C] <-> [N, C, H, W].
Tensor to_image(const Tokens& t) {
  return t.x.transpose(1, 2).reshape({t.x.size(0), t.x.size(2), t.height, t.width});
}
Tensor to_tokens(const Tensor& image) {
  return image.flatten(2).transpose(1, 2);
}

// [N, L, heads * d] -> [N, heads, L, d].
Tensor split_heads(const Tensor& x, int64_t heads) {
  return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

}  // namespace

Tensor DropPath::forward(const Tensor& branch) {
  if (!is_training() || p == 0) return branch;
  Shape per_sample(static_cast<size_t>(branch.dim()), 1);
  per_sample[0] = branch.size(0);
  return branch * dropout(ones(per_sample, {branch.dtype(), branch.device()}), p, true, generator);
}

OverlapPatchEmbeddings::OverlapPatchEmbeddings(int64_t patch_size, int64_t stride,
                                               int64_t in_channels, int64_t hidden_size)
    : Module("SegformerOverlapPatchEmbeddings") {
  proj = register_module("proj", std::make_shared<nn::Conv2d>(in_channels, hidden_size, patch_size,
                                                              stride, patch_size / 2));
  layer_norm = register_module("layer_norm", std::make_shared<nn::LayerNorm>(hidden_size));
}

Tokens OverlapPatchEmbeddings::forward_tokens(const Tensor& image) {
  Tensor x = proj->forward(image);
  return {layer_norm->forward(to_tokens(x)), x.size(2), x.size(3)};
}

EfficientSelfAttention::EfficientSelfAttention(int64_t hidden_size, int64_t num_heads_,
                                               int64_t sr_ratio_)
    : Module("SegformerEfficientSelfAttention"), num_heads(num_heads_), sr_ratio(sr_ratio_) {
  TESSEL_CHECK(num_heads >= 1 && hidden_size % num_heads == 0, "MixTransformer: hidden size ",
               hidden_size, " is not a multiple of num_heads ", num_heads);
  TESSEL_CHECK(sr_ratio >= 1, "MixTransformer: sr_ratio is ", sr_ratio, ", needs at least 1");
  query = register_module("query", std::make_shared<nn::Linear>(hidden_size, hidden_size));
  key = register_module("key", std::make_shared<nn::Linear>(hidden_size, hidden_size));
  value = register_module("value", std::make_shared<nn::Linear>(hidden_size, hidden_size));
  if (sr_ratio > 1) {
    sr = register_module(
        "sr", std::make_shared<nn::Conv2d>(hidden_size, hidden_size, sr_ratio, sr_ratio));
    layer_norm = register_module("layer_norm", std::make_shared<nn::LayerNorm>(hidden_size));
  }
}

Tensor EfficientSelfAttention::forward(const Tokens& tokens) {
  Tensor q = split_heads(query->forward(tokens.x), num_heads);
  Tensor kv = sr ? layer_norm->forward(to_tokens(sr->forward(to_image(tokens)))) : tokens.x;
  Tensor k = split_heads(key->forward(kv), num_heads);
  Tensor v = split_heads(value->forward(kv), num_heads);
  double scale = 1.0 / std::sqrt(double(q.size(3)));
  Tensor attention = softmax(matmul(q, k.transpose(2, 3)) * scale, -1);
  Tensor context = matmul(attention, v).permute({0, 2, 1, 3});  // [N, L, heads, d]
  return context.reshape({context.size(0), context.size(1), -1});
}

MixTransformerLayer::MixTransformerLayer(int64_t hidden_size, int64_t num_heads, int64_t sr_ratio,
                                         int64_t mlp_ratio, double drop_path_rate)
    : Module("SegformerLayer") {
  int64_t mlp_hidden = hidden_size * mlp_ratio;
  layer_norm_1 = register_module("layer_norm_1", std::make_shared<nn::LayerNorm>(hidden_size));
  self_attention = std::make_shared<EfficientSelfAttention>(hidden_size, num_heads, sr_ratio);
  attention_output = std::make_shared<nn::Linear>(hidden_size, hidden_size);
  register_module("attention", group({{"self", self_attention},
                                      {"output", group({{"dense", attention_output}})}}));
  drop_path = register_module("drop_path", std::make_shared<DropPath>(drop_path_rate));
  layer_norm_2 = register_module("layer_norm_2", std::make_shared<nn::LayerNorm>(hidden_size));
  dense1 = std::make_shared<nn::Linear>(hidden_size, mlp_hidden);
  dwconv = std::make_shared<nn::Conv2d>(mlp_hidden, mlp_hidden, 3, 1, 1, 1, mlp_hidden);
  dense2 = std::make_shared<nn::Linear>(mlp_hidden, hidden_size);
  register_module(
      "mlp",
      group({{"dense1", dense1}, {"dwconv", group({{"dwconv", dwconv}})}, {"dense2", dense2}}));
}

Tensor MixTransformerLayer::forward(const Tokens& tokens) {
  Tensor x = tokens.x;
  Tensor attended = attention_output->forward(
      self_attention->forward({layer_norm_1->forward(x), tokens.height, tokens.width}));
  x = x + drop_path->forward(attended);
  Tensor hidden = dense1->forward(layer_norm_2->forward(x));
  hidden = gelu(to_tokens(dwconv->forward(to_image({hidden, tokens.height, tokens.width}))));
  return x + drop_path->forward(dense2->forward(hidden));
}

MixTransformer::MixTransformer(MixTransformerOptions options_)
    : Module("SegformerEncoder"), options(options_) {
  int64_t total_depth = 0;
  for (int64_t d : options.depths) total_depth += d;
  patch_embeddings = register_module("patch_embeddings", std::make_shared<nn::ModuleList>());
  block = register_module("block", std::make_shared<nn::ModuleList>());
  layer_norm = register_module("layer_norm", std::make_shared<nn::ModuleList>());
  int64_t layer_index = 0;
  for (size_t i = 0; i < 4; ++i) {
    int64_t hidden = options.hidden_sizes[i];
    patch_embeddings->push_back(
        std::make_shared<OverlapPatchEmbeddings>(options.patch_sizes[i], options.strides[i],
                                                 i == 0 ? 3 : options.hidden_sizes[i - 1], hidden));
    auto layers = block->push_back(std::make_shared<nn::ModuleList>());
    for (int64_t j = 0; j < options.depths[i]; ++j, ++layer_index) {
      // torch.linspace(0, rate, total_depth)[layer_index]
      double rate = total_depth > 1
                        ? options.drop_path_rate * double(layer_index) / double(total_depth - 1)
                        : 0.0;
      layers->push_back(std::make_shared<MixTransformerLayer>(
          hidden, options.num_heads[i], options.sr_ratios[i], options.mlp_ratio, rate));
    }
    layer_norm->push_back(std::make_shared<nn::LayerNorm>(hidden));
  }
}

std::vector<Tensor> MixTransformer::forward_features(const Tensor& x) {
  TESSEL_CHECK(x.dim() == 4 && x.size(1) == 3, "MixTransformer: input must be [N, 3, H, W], got ",
               shape_str(x.sizes()));
  std::vector<Tensor> features;
  Tensor image = x;
  for (size_t i = 0; i < 4; ++i) {
    Tokens tokens = (*patch_embeddings)[i]->as<OverlapPatchEmbeddings>()->forward_tokens(image);
    for (const nn::ModulePtr& layer : (*block)[i]->as<nn::ModuleList>()->values())
      tokens.x = layer->as<MixTransformerLayer>()->forward(tokens);
    tokens.x = (*layer_norm)[i]->forward(tokens.x);
    image = to_image(tokens).contiguous();
    features.push_back(image);
  }
  return features;
}

}  // namespace tessel::models
