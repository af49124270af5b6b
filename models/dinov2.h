// DINOv2 ViT-S/14 (Oquab et al. 2023) with a BatchNorm + linear segmentation head, the setting of
// OpenVINO Training Extensions' DinoV2 recipe and of DINOv2's own "linear"/"ms" segmentation
// evaluations. Registered as dinov2_vits14.
//
// The backbone ("backbone.*") has the official checkpoint's names, which timm's
// vit_small_patch14_dinov2 shares (cls_token, pos_embed, patch_embed.proj, blocks.i.{norm1,
// attn.qkv, attn.proj, ls1.gamma, norm2, mlp.fc1, mlp.fc2, ls2.gamma}, norm), so
// dinov2_vits14_pretrain.pth loads as model.backbone_weights (its unused mask_token is reported
// as unexpected). 14x14 patches, 384 channels, 12 pre-norm blocks of 6-head attention and a
// 4x GELU MLP, each branch scaled per channel (LayerScale). The position embeddings were learnt
// on a 37x37 grid (518x518 images) and are resampled to any other grid as timm does (bicubic
// with antialiasing, a = -0.5). Inputs are multiples of 14 (evaluation pads to them).
//
// The head ("decode_head"): the patch tokens of blocks 8 to 11, each through the final norm,
// concatenated (4 x 384 channels), BatchNorm ("decode_head.bn"), a 1x1 convolution to the
// classes ("decode_head.conv_seg") at stride 14, bilinear to the input's size. No auxiliary head.
#pragma once

#include "models/segmentation_model.h"

namespace tessel::models {

class VisionTransformer : public nn::Module {
 public:
  struct Config {
    int64_t dim = 384, depth = 12, heads = 6, patch = 14, grid = 37, mlp_ratio = 4;
    double layer_scale = 1e-5;  // LayerScale's initial gamma
  };
  explicit VisionTransformer(Config config);
  using Module::forward;
  // The patch tokens after each block of `indices`, through the final norm, as [N, dim, h, w].
  std::vector<Tensor> forward_layers(const Tensor& x, const std::vector<int64_t>& indices);

  const Config config;
  Tensor cls_token, pos_embed;
  std::shared_ptr<nn::Conv2d> patch_embed;  // "patch_embed.proj"
  std::shared_ptr<nn::ModuleList> blocks;
  std::shared_ptr<nn::LayerNorm> norm;
};

// Rows: the output positions of a resampling from `in` to `out` positions, torch's bicubic with
// antialiasing (align_corners=False), as a weight matrix [out, in] in f64.
Tensor bicubic_antialias_weights(int64_t in, int64_t out);

std::shared_ptr<SegmentationModel> dinov2_vits14(const ModelOptions& options);

}  // namespace tessel::models
