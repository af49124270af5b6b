// PSPNet (Zhao et al., 2017) as mmsegmentation's pspnet_r50-d8 config: mmseg's PSPHead on a
// dilated ResNet (see models/encoder_decoder.h for the backbone and the auxiliary FCNHead).
#pragma once

#include "models/encoder_decoder.h"

namespace tessel::models {

// Pyramid pooling on layer4: the map and its poolings to 1, 2, 3 and 6 bins (each a 1x1
// ConvModule to `channels`, upsampled back; "psp_modules.<i>"), concatenated, fused by a 3x3
// ConvModule ("bottleneck"), then classified.
class PSPHead : public DecodeHead {
 public:
  PSPHead(int64_t in_channels, int64_t num_classes, int64_t channels = 512);
  Tensor forward(const nn::OrderedDict<Tensor>& features) override;

  std::shared_ptr<nn::ModuleList> psp_modules;
  std::shared_ptr<nn::Sequential> bottleneck;
};

// PSPNet on ResNet-`depth` at options.output_stride (mmseg's d8 is 8).
std::shared_ptr<SegmentationModel> pspnet(int64_t depth, const ModelOptions& options);

}  // namespace tessel::models
