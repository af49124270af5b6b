// MaxPool2d, MaxUnpool2d, AvgPool2d, AdaptiveAvgPool2d, as torch.nn. A stride of 0 (the default)
// means the kernel size, PyTorch's stride=None.
#pragma once

#include <utility>

#include "nn/args.h"
#include "nn/module.h"

namespace tessel::nn {

class MaxPool2d : public Module {
 public:
  // return_indices is kept for PyTorch's argument order; forward returns the values only, and
  // forward_with_indices both (a C++ return type cannot depend on a flag).
  explicit MaxPool2d(Int2 kernel_size, Int2 stride = 0, Int2 padding = 0, Int2 dilation = 1,
                     bool return_indices = false, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  // Values and, per output, the index h * W + w of the chosen pixel in its plane (i64).
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;

  Int2 kernel_size, stride, padding, dilation;
  bool return_indices, ceil_mode;
};

// The inverse of a MaxPool2d with the same kernel, stride and padding, placing values at its
// indices (engine/ops/pool.h's max_unpool2d); output_size {0, 0} means the default size.
class MaxUnpool2d : public Module {
 public:
  explicit MaxUnpool2d(Int2 kernel_size, Int2 stride = 0, Int2 padding = 0);
  using Module::forward;
  Tensor forward(const Tensor& x, const Tensor& indices, Size2 output_size = {0, 0});
  std::string extra_repr() const override;

  Int2 kernel_size, stride, padding;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Int2 kernel_size, Int2 stride = 0, Int2 padding = 0, bool ceil_mode = false,
                     bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Int2 kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Int2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Int2 output_size;
};

}  // namespace tessel::nn
