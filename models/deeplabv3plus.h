// DeepLabV3+ (Chen et al., 2018) as mmsegmentation's deeplabv3plus_r50 configs: mmseg's
// DepthwiseSeparableASPPHead on a dilated ResNet (see models/encoder_decoder.h for the backbone
// and the auxiliary FCNHead).
#pragma once

#include <vector>

#include "models/encoder_decoder.h"

namespace tessel::models {

// ASPP on layer4 with depthwise-separable atrous branches: image pooling ("image_pool"), a 1x1
// and one separable 3x3 per rate ("aspp_modules.0" ..), fused by a 3x3 ConvModule
// ("bottleneck"); then the decoder: upsampled to layer1's size, concatenated with layer1
// projected to 48 channels ("c1_bottleneck"), two separable 3x3 ConvModules ("sep_bottleneck").
class DepthwiseSeparableASPPHead : public DecodeHead {
 public:
  DepthwiseSeparableASPPHead(int64_t in_channels, int64_t c1_in_channels, int64_t num_classes,
                             const std::vector<int64_t>& rates, int64_t channels = 512,
                             int64_t c1_channels = 48);
  Tensor forward(const nn::OrderedDict<Tensor>& features) override;

  std::shared_ptr<PoolingBranch> image_pool;
  std::shared_ptr<nn::ModuleList> aspp_modules;
  std::shared_ptr<nn::Sequential> bottleneck, c1_bottleneck, sep_bottleneck;
};

// DeepLabV3+ on ResNet-`depth` at options.output_stride. The atrous rates follow the stride so
// that they cover the same image area: 12, 24, 36 at 8 (mmseg's d8 config), 6, 12, 18 at 16 (the
// paper's).
std::shared_ptr<SegmentationModel> deeplabv3plus(int64_t depth, const ModelOptions& options);

}  // namespace tessel::models
