// LinkNet (Chaurasia and Culurciello 2017) as segmentation_models_pytorch builds it,
// `smp.Linknet("resnet34")`, with its parameter names ("encoder.*", "decoder.blocks.i.block.*",
// "segmentation_head.0.*"), so its state dicts load unchanged. Registered as linknet_resnet34.
//
// The decoder walks up from layer4: each block squeezes to a quarter of its channels (1x1 conv),
// doubles the size (4x4 transposed conv, stride 2), expands to the next level's channels (1x1
// conv), each with BatchNorm and ReLU, and adds the encoder's map of that size (layer3, layer2,
// layer1, the stem); the fifth block has no skip and gives 32 channels at the input's size, and a
// 1x1 convolution gives the classes.
#pragma once

#include "models/smp_model.h"

namespace tessel::models {

class LinkNetResNet34 : public SmpResNet {
 public:
  explicit LinkNetResNet34(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::shared_ptr<nn::ModuleList> blocks;  // "decoder.blocks", deepest first
};

}  // namespace tessel::models
