// FPN (Lin et al. 2017, with the semantic-segmentation head of Kirillov et al.'s panoptic FPN)
// as segmentation_models_pytorch builds it, `smp.FPN("resnet34")`, with its parameter names
// ("encoder.*", "decoder.p5", "decoder.p4.skip_conv", "decoder.seg_blocks.i.block.j.block.*",
// "segmentation_head.0.*"), so its state dicts load unchanged. Registered as fpn_resnet34.
//
// The pyramid: layer4 through a 1x1 convolution to 256 channels (p5), then down to layer1 each
// level is the one above, doubled by nearest-neighbour upsampling, plus the encoder's map through
// a 1x1 convolution (p4, p3, p2). Each level goes through 3x3 Conv-GroupNorm(32)-ReLU units to 128
// channels, with a bilinear (align_corners) doubling after each unit until it reaches a quarter
// of the input's size (3, 2, 1 and no doublings); the four are summed, Dropout2d(0.2), and a 1x1
// convolution and a bilinear x4 (align_corners) give the classes at the input's size.
#pragma once

#include "models/smp_model.h"

namespace tessel::models {

class FPNResNet34 : public SmpResNet {
 public:
  explicit FPNResNet34(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> p5;                       // "decoder.p5"
  std::vector<std::shared_ptr<nn::Conv2d>> skip_convs;  // "decoder.p4/p3/p2.skip_conv"
  std::vector<std::shared_ptr<nn::Sequential>> levels;  // each seg block's units, in order
  std::shared_ptr<nn::Dropout2d> dropout;
};

}  // namespace tessel::models
