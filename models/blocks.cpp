#include "models/blocks.h"

#include "engine/ops.h"
#include "models/conv_bn.h"

namespace tessel::models {

std::shared_ptr<nn::ModuleDict> group(
    const std::vector<std::pair<std::string, nn::ModulePtr>>& children) {
  return std::make_shared<nn::ModuleDict>(children);
}

std::shared_ptr<nn::Sequential> sequential(std::initializer_list<nn::ModulePtr> modules) {
  return std::make_shared<nn::Sequential>(modules);
}

std::shared_ptr<nn::Sequential> segmentation_head(int64_t in_channels, int64_t mid_channels,
                                                  int64_t num_classes, double dropout) {
  auto head = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      conv_bn(in_channels, mid_channels, 3, {.sg_names = true}),
      std::make_shared<nn::Dropout>(dropout),
      std::make_shared<nn::Conv2d>(mid_channels, num_classes, 1, 1, 0, 1, 1, false)});
  using Named = std::vector<std::pair<std::string, nn::ModulePtr>>;
  return std::make_shared<nn::Sequential>(
      Named{{"0", std::make_shared<nn::Sequential>(Named{{"seg_head", head}})}});
}

void check_input(const std::string& model, const Tensor& x, int64_t multiple) {
  TESSEL_CHECK(x.dim() == 4 && x.size(1) == 3, model, ": input must be [N, 3, H, W], got ",
               shape_str(x.sizes()));
  TESSEL_CHECK(x.size(2) % multiple == 0 && x.size(3) % multiple == 0, model,
               ": input height and width must be multiples of ", multiple, ", got ", x.size(2), "x",
               x.size(3));
}

Tensor resize_as(const Tensor& x, const Tensor& like, bool align_corners) {
  return upsample_bilinear(
      x, {.size = Size2{like.size(2), like.size(3)}, .align_corners = align_corners});
}

Tensor upsample2_nearest(const Tensor& x) {
  return upsample_nearest(x, {.size = Size2{x.size(2) * 2, x.size(3) * 2}});
}

void init_conv_kaiming_fan_out(nn::Module& model) {
  model.apply([](nn::Module& m) {
    if (auto* conv = m.as<nn::Conv2d>())
      nn::init::kaiming_normal_(conv->weight, 0, nn::init::FanMode::FanOut,
                                nn::init::Nonlinearity::ReLU);
  });
}

}  // namespace tessel::models
