#include "models/smp_model.h"

#include "models/blocks.h"

namespace tessel::models {

SmpResNet::SmpResNet(const std::string& type_name, std::string name, const ModelOptions& options,
                     int64_t depth, int64_t output_stride)
    : SegmentationModel(type_name),
      name_(std::move(name)),
      num_classes_(options.num_classes),
      output_stride_(output_stride) {
  TESSEL_CHECK(!options.aux, name_, ": has no auxiliary head; options.aux must be false");
  encoder = register_module(
      "encoder",
      std::make_shared<ResNet>(depth, ResNetOptions{.replace_stride_with_dilation =
                                                        dilation_for_output_stride(output_stride),
                                                    .dilate_first_block = true}));
}

void SmpResNet::register_head(int64_t in_channels, int64_t kernel_size) {
  classifier =
      std::make_shared<nn::Conv2d>(in_channels, num_classes_, kernel_size, 1, kernel_size / 2);
  register_module("segmentation_head", std::make_shared<nn::Sequential>(
                                           std::initializer_list<nn::ModulePtr>{classifier}));
}

std::vector<Tensor> SmpResNet::features(const Tensor& x) {
  check_input(name_, x, output_stride_);
  return encoder->forward_pyramid(x);
}

}  // namespace tessel::models
