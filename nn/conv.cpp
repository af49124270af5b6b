#include "nn/conv.h"

#include <algorithm>
#include <cmath>

#include "engine/ops.h"
#include "nn/init.h"

namespace tessel::nn {

namespace {

void check_channels(const char* layer, int64_t in, int64_t out, int64_t groups) {
  TESSEL_CHECK(in > 0 && out > 0 && groups > 0, layer, ": in_channels (", in, "), out_channels (",
               out, ") and groups (", groups, ") must be positive");
  TESSEL_CHECK(in % groups == 0, layer, ": in_channels (", in, ") must be divisible by groups (",
               groups, ")");
  TESSEL_CHECK(out % groups == 0, layer, ": out_channels (", out, ") must be divisible by groups (",
               groups, ")");
}

// PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a=sqrt(5)) is U(-b, b) with
// b = 1 / sqrt(fan_in), and the bias gets the same bound.
void reset_conv(const Tensor& weight, const Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    double bound = fan_in > 0 ? 1 / std::sqrt(double(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

// The part of Conv2d's repr after the channels (PyTorch's _ConvNd.extra_repr).
std::string conv_repr(int64_t in, int64_t out, Size2 k, Size2 s, Size2 p, Size2 d, Size2 op,
                      int64_t groups, bool bias, const std::string& padding_mode) {
  std::string r = std::to_string(in) + ", " + std::to_string(out) +
                  ", kernel_size=" + size2_str(k) + ", stride=" + size2_str(s);
  if (p != Size2{0, 0}) r += ", padding=" + size2_str(p);
  if (d != Size2{1, 1}) r += ", dilation=" + size2_str(d);
  if (op != Size2{0, 0}) r += ", output_padding=" + size2_str(op);
  if (groups != 1) r += ", groups=" + std::to_string(groups);
  if (!bias) r += ", bias=False";
  if (padding_mode != "zeros") r += ", padding_mode=" + padding_mode;
  return r;
}

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Int2 stride,
               Int2 padding, Int2 dilation, int64_t groups, bool bias, std::string padding_mode)
    : Module("Conv2d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      stride(stride),
      padding(padding),
      dilation(dilation),
      groups(groups),
      padding_mode(std::move(padding_mode)) {
  check_channels("Conv2d", in_channels, out_channels, groups);
  TESSEL_CHECK(this->padding_mode == "zeros" || this->padding_mode == "reflect" ||
                   this->padding_mode == "replicate",
               "Conv2d: padding_mode '", this->padding_mode,
               "' is not one of 'zeros', 'reflect', 'replicate'");
  weight = register_parameter(
      "weight", empty({out_channels, in_channels / groups, kernel_size.h, kernel_size.w}));
  this->bias = register_parameter("bias", bias ? empty({out_channels}) : Tensor());
  reset_parameters();
}

void Conv2d::reset_parameters() {
  reset_conv(weight, bias);
}

Tensor Conv2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  if (padding_mode == "zeros") return conv2d(x, weight, bias, stride, padding, dilation, groups);
  PadMode mode = padding_mode == "reflect" ? PadMode::Reflect : PadMode::Replicate;
  Tensor padded = pad(x, {padding[1], padding[1], padding[0], padding[0]}, mode);
  return conv2d(padded, weight, bias, stride, {0, 0}, dilation, groups);
}

std::string Conv2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size, stride, padding, dilation, {0, 0},
                   groups, bias.defined(), padding_mode);
}

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size,
                                 Int2 stride, Int2 padding, Int2 output_padding, int64_t groups,
                                 bool bias, Int2 dilation)
    : Module("ConvTranspose2d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      stride(stride),
      padding(padding),
      output_padding(output_padding),
      dilation(dilation),
      groups(groups) {
  check_channels("ConvTranspose2d", in_channels, out_channels, groups);
  weight = register_parameter(
      "weight", empty({in_channels, out_channels / groups, kernel_size.h, kernel_size.w}));
  this->bias = register_parameter("bias", bias ? empty({out_channels}) : Tensor());
  reset_parameters();
}

void ConvTranspose2d::reset_parameters() {
  reset_conv(weight, bias);  // fan_in from weight.size(1): PyTorch's choice, kept for parity
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  return conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation);
}

Tensor ConvTranspose2d::forward(const Tensor& x, Size2 output_size) {
  auto scope = trace_scope();
  TESSEL_CHECK(x.dim() >= 2, "ConvTranspose2d: input must have a height and width, got shape ",
               shape_str(x.sizes()));
  Size2 extra;
  for (int a = 0; a < 2; ++a) {
    int64_t smallest =
        (x.size(a - 2) - 1) * stride[a] - 2 * padding[a] + dilation[a] * (kernel_size[a] - 1) + 1;
    int64_t reach = std::max(stride[a], dilation[a]);
    extra[a] = output_size[a] - smallest;
    TESSEL_CHECK(extra[a] >= 0 && extra[a] < reach, "ConvTranspose2d: output_size ",
                 size2_str(output_size), " cannot be reached from input ", shape_str(x.sizes()),
                 ": dimension ", a, " can be ", smallest, " to ", smallest + reach - 1);
  }
  return conv_transpose2d(x, weight, bias, stride, padding, extra, groups, dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size, stride, padding, dilation,
                   output_padding, groups, bias.defined(), "zeros");
}

}  // namespace tessel::nn
