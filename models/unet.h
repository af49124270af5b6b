// UNet, two ways:
//  - UNet (Ronneberger et al. 2015), shaped by ModelOptions::unet: by default base 64 channels,
//    four 2x2 max-pool steps down, four 2x2 transposed convolutions up (the paper's "up-conv
//    2x2"), two 3x3 convolutions per level. Unlike the paper the convolutions are padded and
//    batch-normalised, so the output has the input's size. The layout is milesial's
//    Pytorch-UNet: with bilinear upsampling the deepest level and each decoder level but the last
//    have half the channels, and a decoder level's first convolution goes to half its input.
//  - UNetResNet: segmentation_models_pytorch's Unet("resnet34") and Unet("resnet50") under SMP's
//    names: torchvision's ResNet as encoder, decoder blocks (nearest x2, concatenate the skip,
//    conv1 and conv2: conv-BN-ReLU) with channels (256, 128, 64, 32, 16), and a 3x3 convolution
//    to the classes (segmentation_head.0).
// Neither has auxiliary heads.
#pragma once

#include "models/segmentation_model.h"
#include "models/smp_model.h"

namespace tessel::models {

class UNet : public SegmentationModel {
 public:
  explicit UNet(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;
  int64_t input_multiple() const override { return int64_t(1) << depth_; }

  std::shared_ptr<nn::ModuleList> encoder;   // depth + 1 levels: 64, 128, 256, 512, 1024 channels
  std::shared_ptr<nn::ModuleList> upsample;  // depth transposed convolutions or Upsamples
  std::shared_ptr<nn::ModuleList> decoder;   // depth levels, deepest first: 512, 256, 128, 64
  std::shared_ptr<nn::Conv2d> classifier;

 private:
  int64_t depth_;
};

class UNetResNet : public SmpResNet {
 public:
  UNetResNet(int64_t depth, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::shared_ptr<nn::ModuleList> blocks;  // "decoder.blocks": 5, deepest first
};

}  // namespace tessel::models
