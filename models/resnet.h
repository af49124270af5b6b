// ResNet-18/34/50/101/152 as torchvision.models.resnet: the same modules, names, shapes and
// initialisation, so torchvision's weights load unchanged. As a segmentation backbone it returns
// the output of each stage by name ("layer1" .. "layer4") and may trade the stride of the last
// stages for dilation (output stride 8 or 16), as DeepLab and PSPNet do.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "nn/nn.h"

namespace tessel::models {

struct ResNetOptions {
  // Per stage layer2..layer4: keep its resolution and dilate its 3x3 convolutions instead of
  // striding (torchvision's replace_stride_with_dilation).
  std::array<bool, 3> replace_stride_with_dilation = {false, false, false};
  // The first block of a dilated stage dilates too, as segmentation_models_pytorch's
  // make_dilated does; torchvision keeps the previous stage's dilation there.
  bool dilate_first_block = false;
  // > 0: global average pooling and a linear classifier ("avgpool", "fc"), as the ImageNet model;
  // 0: a backbone without them.
  int64_t num_classes = 0;
};

// replace_stride_with_dilation for an output stride of 8 ({false, true, true}), 16 or 32.
std::array<bool, 3> dilation_for_output_stride(int64_t output_stride);

// Two 3x3 convolutions (ResNet-18/34). torchvision refuses dilation here; we dilate both
// convolutions, as mmsegmentation does, so that the small ResNets serve dilated decoders too.
class BasicBlock : public nn::Module {
 public:
  static constexpr int64_t expansion = 1;
  BasicBlock(int64_t inplanes, int64_t planes, int64_t stride, int64_t dilation,
             nn::ModulePtr downsample);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2;
  std::shared_ptr<nn::ReLU> relu;
  nn::ModulePtr downsample;  // null when the identity fits
};

// 1x1 reduce, 3x3 (strided or dilated), 1x1 expand by 4 (ResNet-50/101/152, torchvision's V1.5:
// the stride sits on the 3x3).
class Bottleneck : public nn::Module {
 public:
  static constexpr int64_t expansion = 4;
  Bottleneck(int64_t inplanes, int64_t planes, int64_t stride, int64_t dilation,
             nn::ModulePtr downsample);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> conv1, conv2, conv3;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<nn::ReLU> relu;
  nn::ModulePtr downsample;
};

class ResNet : public nn::Module {
 public:
  // depth: 18, 34, 50, 101 or 152.
  explicit ResNet(int64_t depth, ResNetOptions options = {});

  // The output of each stage: "layer1" (stride 4) .. "layer4" (stride 32 / dilation).
  nn::OrderedDict<Tensor> forward_features(const Tensor& x);
  // The stem's output (stride 2, before max pooling), then each stage's: what
  // segmentation_models_pytorch's encoders hand their decoders as skips.
  std::vector<Tensor> forward_pyramid(const Tensor& x);
  // Class logits [N, num_classes]; needs num_classes > 0.
  Tensor forward(const Tensor& x) override;
  // Channels of forward_features()'s "layer<stage>" (stage 1..4).
  int64_t out_channels(int stage) const;

  int64_t depth;
  ResNetOptions options;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::MaxPool2d> maxpool;
  std::array<std::shared_ptr<nn::Sequential>, 4> layers;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;  // with num_classes > 0
  std::shared_ptr<nn::Linear> fc;

 private:
  int64_t expansion_;
  Tensor stem(const Tensor& x);  // conv1, bn1, relu
};

}  // namespace tessel::models
