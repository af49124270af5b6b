// mmsegmentation's EncoderDecoder and the pieces its decode heads share (ConvModule,
// DepthwiseSeparableConvModule, BaseDecodeHead, FCNHead), with mmseg's module names, on
// torchvision's dilated ResNet ("backbone") in place of mmseg's ResNetV1c deep stem, so that
// torchvision's ImageNet weights load. PSPNet and DeepLabV3+ are built from these.
#pragma once

#include <memory>
#include <string>

#include "models/segmentation_model.h"

namespace tessel::models {

// mmcv's ConvModule with BN and ReLU: children "conv" (no bias), "bn", "activate".
std::shared_ptr<nn::Sequential> conv_module(int64_t in, int64_t out, int64_t kernel,
                                            int64_t dilation = 1, int64_t groups = 1);
// mmcv's DepthwiseSeparableConvModule: a 3x3 depthwise and a 1x1 pointwise ConvModule
// ("depthwise_conv", "pointwise_conv").
std::shared_ptr<nn::Sequential> separable_conv_module(int64_t in, int64_t out,
                                                      int64_t dilation = 1);

// Average pooling to bins x bins, a 1x1 ConvModule ("0", "1"), and back to the input's size
// bilinearly: a branch of PSPNet's pyramid (mmseg's PPM) and ASPP's image pooling.
class PoolingBranch : public nn::Sequential {
 public:
  PoolingBranch(int64_t bins, int64_t in_channels, int64_t channels);
  Tensor forward(const Tensor& x) override;
};

// mmseg's BaseDecodeHead: a head reads the backbone's stages by name and ends in Dropout2d(0.1)
// and a 1x1 classifier ("conv_seg", registered first, as in mmseg).
class DecodeHead : public nn::Module {
 public:
  DecodeHead(std::string type_name, int64_t channels, int64_t num_classes);
  using Module::forward;
  // Logits at the resolution of the stage the head decodes.
  virtual Tensor forward(const nn::OrderedDict<Tensor>& features) = 0;

  std::shared_ptr<nn::Conv2d> conv_seg;
  std::shared_ptr<nn::Dropout2d> dropout;

 protected:
  Tensor cls_seg(const Tensor& x) { return conv_seg->forward(dropout->forward(x)); }
};

// mmseg's FCNHead as the auxiliary head of its configs: one 3x3 ConvModule ("convs.0") on layer3,
// 256 channels.
class FCNHead : public DecodeHead {
 public:
  FCNHead(int64_t in_channels, int64_t num_classes, int64_t channels = 256);
  Tensor forward(const nn::OrderedDict<Tensor>& features) override;

  std::shared_ptr<nn::Sequential> convs;
};

// "backbone", "decode_head", and with options.aux "auxiliary_head" (FCNHead on layer3, as mmseg's
// configs); both outputs
// upsampled bilinearly (align_corners=False) to the input's size. Initialised as mmseg: the
// heads' convolutions kaiming-normal (fan_out), conv_seg N(0, 0.01) with zero bias.
class EncoderDecoder : public SegmentationModel {
 public:
  EncoderDecoder(std::string type_name, std::shared_ptr<ResNet> backbone,
                 std::shared_ptr<DecodeHead> decode_head, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;

  std::shared_ptr<ResNet> backbone;
  std::shared_ptr<DecodeHead> decode_head, auxiliary_head;
};

}  // namespace tessel::models
