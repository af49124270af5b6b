// UPerNet (Xiao et al. 2018) as segmentation_models_pytorch 0.6 builds it,
// `smp.UPerNet("resnet50")`, with its parameter names, so its state dicts load unchanged.
// Registered as upernet_resnet50 (and upernet_resnet34, SMP's default encoder).
//
// The encoder's four stages (strides 4 to 32) are each normalised over channels (LayerNorm,
// eps 1e-6: "decoder.feature_norms.i"); the last goes through a pyramid pooling module
// (adaptive average pools to 1, 2, 3 and 6, each 1x1 conv-BN-ReLU to 256 channels, resized
// bilinearly back and concatenated with it, then a 3x3 conv-BN-ReLU: "decoder.psp"). Top down,
// each of strides 16, 8 and 4 adds its 1x1 conv-BN-ReLU lateral to the level above, resized
// bilinearly ("decoder.fpn_lateral_blocks.i.conv_norm_relu"), then a 3x3 conv-BN-ReLU
// ("decoder.fpn_conv_blocks.i"). All four levels are resized to stride 4, concatenated finest
// first, fused by a 3x3 conv-BN-ReLU ("decoder.fusion_block"), and a 1x1 convolution and a
// bilinear x4 (align_corners) give the classes at the input's size. No auxiliary head.
#pragma once

#include "models/smp_model.h"

namespace tessel::models {

class UPerNetResNet : public SmpResNet {
 public:
  UPerNetResNet(int64_t depth, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::vector<nn::ModulePtr> feature_norms;                 // per stage, over channels
  std::vector<std::shared_ptr<nn::Sequential>> psp_blocks;  // pool, conv-BN-ReLU
  std::shared_ptr<nn::Sequential> psp_out;
  std::vector<std::shared_ptr<nn::Sequential>> laterals;   // strides 16, 8, 4
  std::vector<std::shared_ptr<nn::Sequential>> fpn_convs;  // strides 16, 8, 4
  std::shared_ptr<nn::Sequential> fusion;
};

}  // namespace tessel::models
