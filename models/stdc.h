// STDC backbones (Fan et al., "Rethinking BiSeNet for Real-time Semantic Segmentation", 2021):
// STDC1 (STDCNet813) and STDC2 (STDCNet1446), laid out as SuperGradients' STDCBackbone.
#pragma once

#include "nn/nn.h"

namespace tessel::models {

// Short-Term Dense Concatenate module with 4 steps: a 1x1 conv to out/2, then 3x3 convs to out/4,
// out/8, out/8; the output concatenates all four (out channels). At stride 2 a depthwise 3x3
// stride-2 conv-BN opens the second step and the first step's output reaches the concatenation
// through a 3x3 stride-2 average pool.
class STDCBlock : public nn::Module {
 public:
  STDCBlock(int64_t in_channels, int64_t out_channels, int64_t stride);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::ModuleList> conv_list;
  nn::ModulePtr skip_step1;  // AvgPool2d at stride 2, else Identity
};

class STDCBackbone : public nn::Module {
 public:
  // version 1: STDC blocks (2, 2, 2) per stage; 2: (4, 5, 3).
  explicit STDCBackbone(int version);
  // "s8", "s16", "s32": 256, 512 and 1024 channels at strides 8, 16, 32.
  nn::OrderedDict<Tensor> forward_features(const Tensor& x);

  // "block_s2" .. "block_s32": two stride-2 conv-BN-ReLU stems, then three STDC stages.
  std::shared_ptr<nn::ModuleDict> stages;
};

}  // namespace tessel::models
