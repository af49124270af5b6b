#include "nn/pool.h"

#include "engine/ops.h"

namespace tessel::nn {

namespace {
Int2 default_stride(Int2 stride, Int2 kernel) {
  return stride.scalar && stride.h == 0 ? kernel : stride;
}
}  // namespace

MaxPool2d::MaxPool2d(Int2 kernel_size, Int2 stride, Int2 padding, Int2 dilation,
                     bool return_indices, bool ceil_mode)
    : Module("MaxPool2d"),
      kernel_size(kernel_size),
      stride(default_stride(stride, kernel_size)),
      padding(padding),
      dilation(dilation),
      return_indices(return_indices),
      ceil_mode(ceil_mode) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::pair<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) {
  auto scope = trace_scope();
  return max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + kernel_size.str() + ", stride=" + stride.str() +
         ", padding=" + padding.str() + ", dilation=" + dilation.str() +
         ", ceil_mode=" + repr(ceil_mode);
}

MaxUnpool2d::MaxUnpool2d(Int2 kernel_size, Int2 stride, Int2 padding)
    : Module("MaxUnpool2d"),
      kernel_size(kernel_size),
      stride(default_stride(stride, kernel_size)),
      padding(padding) {}

Tensor MaxUnpool2d::forward(const Tensor& x, const Tensor& indices, Size2 output_size) {
  auto scope = trace_scope();
  return max_unpool2d(x, indices, kernel_size, stride, padding, output_size);
}

// PyTorch stores MaxUnpool2d's sizes as pairs, so they always print as tuples.
std::string MaxUnpool2d::extra_repr() const {
  return "kernel_size=" + size2_str(kernel_size) + ", stride=" + size2_str(stride) +
         ", padding=" + size2_str(padding);
}

AvgPool2d::AvgPool2d(Int2 kernel_size, Int2 stride, Int2 padding, bool ceil_mode,
                     bool count_include_pad)
    : Module("AvgPool2d"),
      kernel_size(kernel_size),
      stride(default_stride(stride, kernel_size)),
      padding(padding),
      ceil_mode(ceil_mode),
      count_include_pad(count_include_pad) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + kernel_size.str() + ", stride=" + stride.str() +
         ", padding=" + padding.str();
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Int2 output_size)
    : Module("AdaptiveAvgPool2d"), output_size(output_size) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  return adaptive_avg_pool2d(x, output_size);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + output_size.str();
}

}  // namespace tessel::nn
