// UNet++ (Zhou et al. 2018, nested dense skip pathways) as segmentation_models_pytorch builds
// it, `smp.UnetPlusPlus("resnet34")`, with its parameter names ("encoder.*",
// "decoder.blocks.x_<depth>_<layer>.conv1/conv2.*", "segmentation_head.0.*"), so its state dicts
// load unchanged. Registered as unetplusplus_resnet34.
//
// Node x_d_l (layer l = 0..3 from layer4 up, depth d <= l) doubles the node below it (nearest),
// concatenates the encoder's skip of that size and every node to its left at that size, and
// applies two 3x3 Conv-BN-ReLU; the top node x_0_4 doubles to the input's size without a skip.
// Decoder channels 256, 128, 64, 32, 16; a 3x3 convolution gives the classes.
#pragma once

#include "models/smp_model.h"

namespace tessel::models {

class UnetPlusPlusResNet34 : public SmpResNet {
 public:
  explicit UnetPlusPlusResNet34(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::shared_ptr<nn::ModuleDict> blocks;  // "decoder.blocks", "x_<depth>_<layer>"
};

}  // namespace tessel::models
