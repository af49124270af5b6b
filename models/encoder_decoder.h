// mmsegmentation's EncoderDecoder and the pieces its decode heads share (ConvModule,
// DepthwiseSeparableConvModule, BaseDecodeHead, FCNHead), with mmseg's module names, on
// torchvision's dilated ResNet ("backbone") in place of mmseg's ResNetV1c deep stem, so that
// torchvision's ImageNet weights load. PSPNet and DeepLabV3+ are built from these.
#pragma once

#include <memory>
#include <string>

#include "models/segmentation_model.h"

namespace tessel::models {

// mmcv's ConvModule: children "conv", "bn" and "activate" (ReLU), the last two as asked; the
// convolution has a bias only without a norm (mmcv's bias='auto'), and "same" padding.
struct ConvModuleOptions {
  int64_t stride = 1, dilation = 1, groups = 1;
  bool norm = true, act = true;
};
std::shared_ptr<nn::Sequential> conv_module(int64_t in, int64_t out, int64_t kernel,
                                            const ConvModuleOptions& o = {});
// mmcv's DepthwiseSeparableConvModule: a 3x3 depthwise ConvModule (`depthwise`'s stride and
// dilation; groups = in) and a 1x1 pointwise one ("depthwise_conv", "pointwise_conv").
std::shared_ptr<nn::Sequential> separable_conv_module(int64_t in, int64_t out,
                                                      const ConvModuleOptions& depthwise = {},
                                                      const ConvModuleOptions& pointwise = {});

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

// mmseg's FCNHead (concat_input=False): `num_convs` 3x3 ConvModules ("convs.0", ...) on the
// feature named `in_key`; as the auxiliary head of mmseg's ResNet configs, one conv on layer3
// with 256 channels.
class FCNHead : public DecodeHead {
 public:
  FCNHead(int64_t in_channels, int64_t num_classes, int64_t channels = 256, int64_t num_convs = 1,
          std::string in_key = "layer3");
  Tensor forward(const nn::OrderedDict<Tensor>& features) override;

  std::shared_ptr<nn::Sequential> convs;
  std::string in_key;
};

// mmseg's initialisation of a head: its convolutions kaiming-normal (fan_out) as mmcv's
// ConvModule, conv_seg N(0, 0.01) with zero bias.
void init_decode_head(DecodeHead& head);

// "backbone", "decode_head", and with options.aux "auxiliary_head" (FCNHead on layer3, as mmseg's
// configs); both outputs
// upsampled bilinearly (align_corners=False) to the input's size; heads initialised as mmseg's.
class EncoderDecoder : public SegmentationModel {
 public:
  EncoderDecoder(std::string type_name, std::shared_ptr<ResNet> backbone,
                 std::shared_ptr<DecodeHead> decode_head, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"backbone"}; }

  std::shared_ptr<ResNet> backbone;
  std::shared_ptr<DecodeHead> decode_head, auxiliary_head;
};

}  // namespace tessel::models
