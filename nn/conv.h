// Conv2d and ConvTranspose2d, as torch.nn: same arguments in the same order, same parameter names
// and shapes, same default initialisation (kaiming_uniform_ with a = sqrt(5) for the weight,
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias).
#pragma once

#include <string>

#include "nn/args.h"
#include "nn/module.h"

namespace tessel::nn {

class Conv2d : public Module {
 public:
  // weight: [out_channels, in_channels / groups, kh, kw]; bias: [out_channels] when `bias`.
  // padding_mode: "zeros", "reflect" or "replicate".
  Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Int2 stride = 1,
         Int2 padding = 0, Int2 dilation = 1, int64_t groups = 1, bool bias = true,
         std::string padding_mode = "zeros");

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size2 kernel_size, stride, padding, dilation;
  int64_t groups;
  std::string padding_mode;
  Tensor weight, bias;
};

class ConvTranspose2d : public Module {
 public:
  // weight: [in_channels, out_channels / groups, kh, kw]; bias: [out_channels] when `bias`.
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Int2 stride = 1,
                  Int2 padding = 0, Int2 output_padding = 0, int64_t groups = 1, bool bias = true,
                  Int2 dilation = 1);

  Tensor forward(const Tensor& x) override;
  // PyTorch's forward(input, output_size): the output padding (in place of this layer's) that
  // makes the output output_size, which must lie within the stride above the smallest size.
  Tensor forward(const Tensor& x, Size2 output_size);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size2 kernel_size, stride, padding, output_padding, dilation;
  int64_t groups;
  Tensor weight, bias;
};

}  // namespace tessel::nn
