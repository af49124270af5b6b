// Convolution - BatchNorm (- ReLU) as one Sequential ("0", "1", "2"), the unit that the real-time
// families (DDRNet, BiSeNetV2, RegSeg, ENet) build most of their layers from; with sg_names, under
// SuperGradients' ConvBNReLU names ("seq.conv", "seq.bn", "seq.act"), so that SG's checkpoints of
// the families taken from it (STDC, PP-LiteSeg, RegSeg) load as they are.
#pragma once

#include <memory>
#include <optional>

#include "nn/nn.h"

namespace tessel::models {

struct ConvBNOptions {
  int64_t stride = 1;
  nn::Int2 padding = -1;  // -1: dilation * (kernel / 2), which keeps the size at stride 1
  int64_t dilation = 1;
  int64_t groups = 1;
  // Unset: only without batch_norm. A bias before BatchNorm is redundant, but some references
  // keep one.
  std::optional<bool> bias;
  bool relu = true;
  bool batch_norm = true;  // false: Conv - ReLU, for networks built without norms
  bool sg_names = false;
};

std::shared_ptr<nn::Sequential> conv_bn(int64_t in_channels, int64_t out_channels,
                                        nn::Int2 kernel_size, const ConvBNOptions& o = {});

}  // namespace tessel::models
