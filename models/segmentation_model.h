// What every segmentation network is to its callers: logits by head name, at the input's size.
#pragma once

#include <memory>

#include "models/resnet.h"
#include "nn/nn.h"

namespace tessel::models {

// The shape of "unet", with milesial/Pytorch-UNet's parameters (smp's decoder_use_batchnorm for
// batch_norm). The defaults are the paper's network; "unet_small" is {16, 4, true, true}.
struct UNetOptions {
  int64_t base_width = 64;  // channels of the first level, doubled at each level down
  int64_t depth = 4;        // 2x2 max-pool steps down, and as many steps up
  bool bilinear = false;    // bilinear x2 (align_corners) instead of 2x2 transposed convolutions
  bool batch_norm = true;   // Conv-BN-ReLU, or Conv (with bias)-ReLU
  bool operator==(const UNetOptions&) const = default;
};

// How a network is built (models::create takes these with a name).
struct ModelOptions {
  int64_t num_classes = 21;
  bool aux = false;           // an auxiliary head on an earlier stage, for a deep-supervision loss
  int64_t output_stride = 8;  // of the backbone: 8, 16 or 32 (dilation replaces the rest)
  UNetOptions unet;           // read by "unet" only
};

// Named outputs, each [N, num_classes, H, W] for an [N, 3, H, W] input: "out", then "aux" when
// the auxiliary head is on.
using Outputs = nn::OrderedDict<Tensor>;

class SegmentationModel : public nn::Module {
 public:
  using nn::Module::Module;
  virtual Outputs forward_outputs(const Tensor& x) = 0;
  Tensor forward(const Tensor& x) override { return forward_outputs(x).at("out"); }
  // The children whose weights an ImageNet classifier provides, as dotted paths in state_dict():
  // one for most ("backbone", "encoder", "segformer.encoder"), several where the pretrained part
  // is not one module (DDRNet: _backbone and its high-resolution branch, as SuperGradients'
  // ImageNet backbone holds them); none for a network trained from scratch by design (UNet,
  // ENet, RegSeg, BiSeNetV2). model.backbone_weights loads into them (models/pretrained.h).
  virtual std::vector<std::string> backbone_paths() const { return {}; }
  // Input heights and widths must be multiples of this: the total stride of a network whose
  // decoder adds or concatenates features that must line up (1: any size). Evaluation and
  // prediction pad images to it (train/inference.h); training crops should be multiples.
  virtual int64_t input_multiple() const { return 1; }
};

// torchvision's _SimpleSegmentationModel (FCN, DeepLabV3): the classifier reads the backbone's
// layer4, the auxiliary classifier its layer3, and both are upsampled bilinearly
// (align_corners=False) to the input's size.
class SimpleSegmentationModel : public SegmentationModel {
 public:
  // aux_classifier may be null.
  SimpleSegmentationModel(std::string type_name, std::shared_ptr<ResNet> backbone,
                          nn::ModulePtr classifier, nn::ModulePtr aux_classifier);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"backbone"}; }

  std::shared_ptr<ResNet> backbone;
  nn::ModulePtr classifier, aux_classifier;
};

// The backbone the options ask for, without its ImageNet classifier.
std::shared_ptr<ResNet> segmentation_backbone(int64_t depth, const ModelOptions& options);

}  // namespace tessel::models
