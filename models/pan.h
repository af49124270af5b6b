// Pyramid Attention Network (Li et al. 2018) as segmentation_models_pytorch 0.6 builds it,
// `smp.PAN("resnet34")`, with its parameter names, so its state dicts load unchanged. Registered
// as pan_resnet34 (SMP's default encoder) and pan_resnet50.
//
// The encoder's last stage dilates instead of striding (output stride 16, SMP's make_dilated:
// every 3x3 of layer4 at dilation 2). A feature pyramid attention block on it ("decoder.fpa": a
// U-shaped 7/5/3 attention map over three max-pooled levels weighs a 1x1 projection, plus a
// global-pooling branch), then global attention upsampling blocks ("decoder.gau3" .. "gau1") at
// strides 16, 8 and 4: each adds the coarser map, upsampled, to the skip's 3x3 projection scaled
// by a channel attention from that map. 32 channels throughout; a 3x3 convolution to the classes
// and a bilinear x4 (align_corners) give the input's size. Inputs are multiples of 16.
#pragma once

#include "models/smp_model.h"

namespace tessel::models {

class PANResNet : public SmpResNet {
 public:
  PANResNet(int64_t depth, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  // The feature pyramid attention block's parts, SMP's names.
  std::shared_ptr<nn::Sequential> branch1, mid, down1, down2, down3, conv2, conv1;
  // Per GAU block, strides 16, 8, 4: the channel attention on the coarse map ("conv1": pool,
  // conv-BN, sigmoid) and the skip's 3x3 projection ("conv2").
  std::vector<std::shared_ptr<nn::Sequential>> gau_attention, gau_projection;
};

}  // namespace tessel::models
