#include "models/dinov2.h"

#include <cmath>

#include "engine/ops.h"
#include "models/blocks.h"
#include "nn/init.h"

namespace tessel::models {
namespace {

// x * gamma, per channel ("ls1.gamma").
class LayerScale : public nn::Module {
 public:
  LayerScale(int64_t dim, double init) : Module("LayerScale") {
    gamma = register_parameter("gamma", full({dim}, init));
  }
  Tensor forward(const Tensor& x) override { return x * gamma; }
  Tensor gamma;
};

// Pre-norm: x + ls1(proj(attention(norm1(x)))), then x + ls2(fc2(gelu(fc1(norm2(x))))).
class Block : public nn::Module {
 public:
  Block(const VisionTransformer::Config& c) : Module("Block"), heads_(c.heads) {
    norm1 = register_module("norm1", std::make_shared<nn::LayerNorm>(c.dim, 1e-6));
    qkv = std::make_shared<nn::Linear>(c.dim, 3 * c.dim);
    proj = std::make_shared<nn::Linear>(c.dim, c.dim);
    register_module("attn", group({{"qkv", qkv}, {"proj", proj}}));
    ls1 = register_module("ls1", std::make_shared<LayerScale>(c.dim, c.layer_scale));
    norm2 = register_module("norm2", std::make_shared<nn::LayerNorm>(c.dim, 1e-6));
    fc1 = std::make_shared<nn::Linear>(c.dim, c.mlp_ratio * c.dim);
    fc2 = std::make_shared<nn::Linear>(c.mlp_ratio * c.dim, c.dim);
    register_module("mlp", group({{"fc1", fc1}, {"fc2", fc2}}));
    ls2 = register_module("ls2", std::make_shared<LayerScale>(c.dim, c.layer_scale));
  }

  Tensor forward(const Tensor& x) override {
    const int64_t n = x.size(0), l = x.size(1), dim = x.size(2), d = dim / heads_;
    // [N, L, 3, heads, d] -> 3 x [N, heads, L, d]
    Tensor parts = qkv->forward(norm1->forward(x)).reshape({n, l, 3, heads_, d});
    parts = parts.permute({2, 0, 3, 1, 4});
    Tensor q = parts.select(0, 0), k = parts.select(0, 1), v = parts.select(0, 2);
    Tensor attention = softmax(matmul(q, k.transpose(2, 3)) * (1.0 / std::sqrt(double(d))), -1);
    Tensor context = matmul(attention, v).permute({0, 2, 1, 3}).reshape({n, l, dim});
    Tensor y = x + ls1->forward(proj->forward(context));
    return y + ls2->forward(fc2->forward(gelu(fc1->forward(norm2->forward(y)))));
  }

  std::shared_ptr<nn::LayerNorm> norm1, norm2;
  std::shared_ptr<nn::Linear> qkv, proj, fc1, fc2;
  std::shared_ptr<LayerScale> ls1, ls2;

 private:
  int64_t heads_;
};

class DinoV2Seg : public SegmentationModel {
 public:
  static constexpr int64_t kLayers[] = {8, 9, 10, 11};

  explicit DinoV2Seg(const ModelOptions& o) : SegmentationModel("DinoV2Seg") {
    TESSEL_CHECK(!o.aux, "dinov2_vits14: has no auxiliary head; options.aux must be false");
    backbone = register_module("backbone",
                               std::make_shared<VisionTransformer>(VisionTransformer::Config{}));
    const int64_t channels = 4 * backbone->config.dim;
    bn = std::make_shared<nn::BatchNorm2d>(channels);
    conv_seg = std::make_shared<nn::Conv2d>(channels, o.num_classes, 1);
    register_module("decode_head", group({{"bn", bn}, {"conv_seg", conv_seg}}));
    nn::init::normal_(conv_seg->weight, 0, 0.01);  // mmseg's BaseDecodeHead
    nn::init::zeros_(conv_seg->bias);
  }

  Outputs forward_outputs(const Tensor& x) override {
    check_input("dinov2_vits14", x, input_multiple());
    std::vector<Tensor> features =
        backbone->forward_layers(x, std::vector<int64_t>(std::begin(kLayers), std::end(kLayers)));
    Tensor y = conv_seg->forward(bn->forward(cat(features, 1)));
    return Outputs{{"out", resize_as(y, x)}};
  }
  std::vector<std::string> backbone_paths() const override { return {"backbone"}; }
  int64_t input_multiple() const override { return backbone->config.patch; }

  std::shared_ptr<VisionTransformer> backbone;
  std::shared_ptr<nn::BatchNorm2d> bn;
  std::shared_ptr<nn::Conv2d> conv_seg;
};

// torch's antialiased bicubic filter (a = -0.5, as PIL).
double bicubic_aa(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

}  // namespace

Tensor bicubic_antialias_weights(int64_t in, int64_t out) {
  TESSEL_CHECK(in > 0 && out > 0, "bicubic_antialias_weights: sizes ", in, " and ", out,
               " must be positive");
  const double scale = double(in) / double(out);
  const double support = scale >= 1 ? 2.0 * scale : 2.0;
  const double inv = scale >= 1 ? 1.0 / scale : 1.0;
  std::vector<double> w(size_t(in * out), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    const double center = scale * (double(i) + 0.5);
    const int64_t lo = std::max<int64_t>(int64_t(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(int64_t(center + support + 0.5), in);
    double total = 0;
    for (int64_t j = lo; j < hi; ++j) total += bicubic_aa((double(j) - center + 0.5) * inv);
    for (int64_t j = lo; j < hi; ++j)
      w[size_t(i * in + j)] = total != 0 ? bicubic_aa((double(j) - center + 0.5) * inv) / total : 0;
  }
  return from_vector(w, {out, in}, DType::F64);
}

VisionTransformer::VisionTransformer(Config c) : Module("DinoVisionTransformer"), config(c) {
  cls_token = register_parameter("cls_token", zeros({1, 1, c.dim}));
  pos_embed = register_parameter("pos_embed", zeros({1, 1 + c.grid * c.grid, c.dim}));
  patch_embed = std::make_shared<nn::Conv2d>(3, c.dim, c.patch, c.patch);
  register_module("patch_embed", group({{"proj", patch_embed}}));
  blocks = register_module("blocks", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < c.depth; ++i) blocks->push_back(std::make_shared<Block>(c));
  norm = register_module("norm", std::make_shared<nn::LayerNorm>(c.dim, 1e-6));
  // timm's initialisation of its DINOv2 ViTs.
  nn::init::trunc_normal_(pos_embed, 0, 0.02);
  nn::init::normal_(cls_token, 0, 1e-6);
  for (const auto& [name, p] : named_parameters())
    if (name.ends_with(".weight") && p.dim() == 2) nn::init::trunc_normal_(p, 0, 0.02);
  for (const auto& [name, p] : named_parameters())
    if (name.ends_with(".bias") && name.find("norm") == std::string::npos) nn::init::zeros_(p);
}

std::vector<Tensor> VisionTransformer::forward_layers(const Tensor& x,
                                                      const std::vector<int64_t>& indices) {
  Tensor patches = patch_embed->forward(x);  // [N, dim, h, w]
  const int64_t n = x.size(0), h = patches.size(2), w = patches.size(3), dim = config.dim;
  // Position embeddings of the patches, resampled from the pretraining grid when it differs.
  Tensor grid = pos_embed.narrow(1, 1, config.grid * config.grid)
                    .reshape({1, config.grid, config.grid, dim})
                    .permute({0, 3, 1, 2});  // [1, dim, grid, grid]
  if (h != config.grid || w != config.grid) {
    Tensor wh = bicubic_antialias_weights(config.grid, h).to(pos_embed.dtype()).to(x.device());
    Tensor ww = bicubic_antialias_weights(config.grid, w).to(pos_embed.dtype()).to(x.device());
    grid = matmul(matmul(wh, grid), ww.transpose(0, 1));  // [1, dim, h, w]
  }
  Tensor pos = cat({pos_embed.narrow(1, 0, 1), grid.flatten(2).transpose(1, 2)}, 1);
  Tensor tokens = patches.flatten(2).transpose(1, 2);  // [N, h*w, dim]
  tokens = cat({cls_token.expand({n, 1, dim}), tokens}, 1) + pos;
  std::vector<Tensor> out;
  const int64_t last = indices.empty() ? -1 : *std::max_element(indices.begin(), indices.end());
  TESSEL_CHECK(last < int64_t(blocks->size()), "VisionTransformer: block ", last, " of ",
               blocks->size());
  for (int64_t i = 0; i <= last; ++i) {
    tokens = (*blocks)[size_t(i)]->forward(tokens);
    if (std::find(indices.begin(), indices.end(), i) == indices.end()) continue;
    Tensor normed = norm->forward(tokens).narrow(1, 1, h * w);  // without the class token
    out.push_back(normed.transpose(1, 2).reshape({n, dim, h, w}));
  }
  return out;
}

std::shared_ptr<SegmentationModel> dinov2_vits14(const ModelOptions& options) {
  return std::make_shared<DinoV2Seg>(options);
}

}  // namespace tessel::models
