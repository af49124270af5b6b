// What segmentation_models_pytorch's networks on a ResNet share, with SMP's names: "encoder"
// (ResNet::forward_pyramid gives SMP's features: the stem, layer1 .. layer4), a "decoder" each
// network registers itself, and "segmentation_head.0", a convolution to the classes. None has an
// auxiliary head; inputs are multiples of the encoder's output stride (32, or 16 where the last
// stage dilates, as PAN's). UNet, UPerNet, LinkNet, FPN, MA-Net, UNet++ and PAN derive from it.
#pragma once

#include <string>
#include <vector>

#include "models/resnet.h"
#include "models/segmentation_model.h"

namespace tessel::models {

class SmpResNet : public SegmentationModel {
 public:
  std::vector<std::string> backbone_paths() const override { return {"encoder"}; }
  int64_t input_multiple() const override { return output_stride_; }

  std::shared_ptr<ResNet> encoder;
  std::shared_ptr<nn::Conv2d> classifier;  // "segmentation_head.0"

 protected:
  // Checks the options and registers the encoder, a ResNet of `depth` (34, 50, ...) whose last
  // stage dilates at output stride 16 (SMP's encoder_output_stride); `name` is the registry's,
  // for errors.
  SmpResNet(const std::string& type_name, std::string name, const ModelOptions& options,
            int64_t depth = 34, int64_t output_stride = 32);
  // Registers "segmentation_head" after the subclass's decoder, keeping SMP's order.
  void register_head(int64_t in_channels, int64_t kernel_size);
  // The encoder's features of x, after checking x.
  std::vector<Tensor> features(const Tensor& x);

 private:
  std::string name_;
  int64_t num_classes_;
  int64_t output_stride_;
};

}  // namespace tessel::models
