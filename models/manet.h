// MA-Net (Fan et al. 2020, "MA-Net: A Multi-Scale Attention Network for Liver and Tumor
// Segmentation") as segmentation_models_pytorch builds it, `smp.MAnet("resnet34")`, with its
// parameter names ("encoder.*", "decoder.center.*", "decoder.blocks.i.*",
// "segmentation_head.0.*"), so its state dicts load unchanged. Registered as manet_resnet34.
//
// The centre is a position-attention block on layer4 (SMP's PABBlock: a softmax over all
// position pairs of each image, taken jointly over the flattened [HW, HW] map as SMP does). Each
// of the four decoder blocks with a skip (layer3, layer2, layer1, the stem) is a multi-scale
// fusion attention block (MFABBlock): 3x3 and 1x1 Conv-BN-ReLU to the skip's channels, a nearest
// doubling, the sum of two squeeze-excitation gates (one of the upsampled map, one of the skip)
// scaling it, concatenation with the skip and two 3x3 Conv-BN-ReLU; the fifth doubles and
// convolves without a skip. Decoder channels 256, 128, 64, 32, 16; a 3x3 convolution gives the
// classes.
#pragma once

#include "models/smp_model.h"

namespace tessel::models {

class MAnetResNet34 : public SmpResNet {
 public:
  explicit MAnetResNet34(const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  nn::ModulePtr center;                    // "decoder.center"
  std::shared_ptr<nn::ModuleList> blocks;  // "decoder.blocks", deepest first
};

}  // namespace tessel::models
