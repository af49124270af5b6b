// UNet, two ways:
//  - UNet (Ronneberger et al. 2015), shaped by ModelOptions::unet: by default base 64 channels,
//    four 2x2 max-pool steps down, four 2x2 transposed convolutions up (the paper's "up-conv
//    2x2"), two 3x3 convolutions per level. Unlike the paper the convolutions are padded and
//    batch-normalised, so the output has the input's size. The layout is milesial's
//    Pytorch-UNet: with bilinear upsampling the deepest level and each decoder level but the last
//    have half the channels, and a decoder level's first convolution goes to half its input.
//  - UNetResNet34: segmentation_models_pytorch's Unet("resnet34"): torchvision's ResNet-34 as
//    encoder, decoder blocks (nearest x2, concatenate the skip, two conv-BN-ReLU) with channels
//    (256, 128, 64, 32, 16), and a 3x3 convolution to the classes.
// Neither has auxiliary heads.
#pragma once

#include "models/segmentation_model.h"

namespace tessel::models {

class UNet : public SegmentationModel {
 public:
  explicit UNet(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::shared_ptr<nn::ModuleList> encoder;   // depth + 1 levels: 64, 128, 256, 512, 1024 channels
  std::shared_ptr<nn::ModuleList> upsample;  // depth transposed convolutions or Upsamples
  std::shared_ptr<nn::ModuleList> decoder;   // depth levels, deepest first: 512, 256, 128, 64
  std::shared_ptr<nn::Conv2d> classifier;

 private:
  int64_t depth_;
};

class UNetResNet34 : public SegmentationModel {
 public:
  explicit UNetResNet34(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"encoder"}; }

  std::shared_ptr<ResNet> encoder;
  std::shared_ptr<nn::ModuleList> decoder;  // 5 blocks, deepest first
  std::shared_ptr<nn::Conv2d> segmentation_head;
};

}  // namespace tessel::models
