// conv2d and conv_transpose2d over the three passes of kernels/conv.h. conv_transpose2d runs
// the convolution's input-gradient pass forward, so its own gradients are the other two passes.
#include "engine/ops/conv.h"

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/conv.h"

namespace tessel {
namespace {

using kernels::ConvShape;

const void* data_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr() : nullptr;
}

// The passes take contiguous tensors; each allocates what it writes. A bias is added over the
// channels of the result.
Tensor forward_pass(const ConvShape& s, const Tensor& x, const Tensor& w, const Tensor& bias) {
  Tensor y = empty({s.n, s.o, s.oh, s.ow}, {x.dtype(), x.device()});
  if (y.numel() == 0) return y;
  on_device(y.device(), [&](const auto& ctx) {
    kernels::conv2d_forward(ctx, s, x.dtype(), y.data_ptr(), x.data_ptr(), w.data_ptr(),
                            data_or_null(bias));
  });
  return y;
}

Tensor input_pass(const ConvShape& s, const Tensor& dy, const Tensor& w, const Tensor& bias) {
  Tensor dx = empty({s.n, s.c, s.h, s.w}, {dy.dtype(), dy.device()});
  if (dx.numel() == 0) return dx;
  on_device(dx.device(), [&](const auto& ctx) {
    kernels::conv2d_backward_input(ctx, s, dy.dtype(), dx.data_ptr(), dy.data_ptr(), w.data_ptr(),
                                   data_or_null(bias));
  });
  return dx;
}

Tensor weight_pass(const ConvShape& s, const Tensor& dy, const Tensor& x) {
  Tensor dw = empty({s.o, s.c / s.groups, s.kh, s.kw}, {dy.dtype(), dy.device()});
  if (s.n == 0) return dw.zero_();
  on_device(dw.device(), [&](const auto& ctx) {
    kernels::conv2d_backward_weight(ctx, s, dy.dtype(), dw.data_ptr(), dy.data_ptr(), x.data_ptr());
  });
  return dw;
}

// Saves only what the needed gradients read: x for the weight's, the weight for x's.
struct ConvBackward {
  ConvShape s;
  bool transposed = false;
  SavedTensor x, w;
  std::vector<Tensor> operator()(const Tensor& grad, const Node& self) const {
    Tensor g = grad.contiguous(), gx, gw, gb;
    if (self.needs_grad(0))
      gx = transposed ? forward_pass(s, g, w.get(), {}) : input_pass(s, g, w.get(), {});
    if (self.needs_grad(1))
      gw = transposed ? weight_pass(s, x.get(), g) : weight_pass(s, g, x.get());
    if (self.needs_grad(2)) gb = sum(g, {0, 2, 3});
    return {gx, gw, gb};
  }
};

// Runs one of the two ops: `s` describes the underlying convolution (for the transpose, x plays
// its output gradient and the result its input).
Tensor run(const ConvShape& s, bool transposed, const Tensor& x, const Tensor& w,
           const Tensor& bias) {
  Tensor xc = x.detach().contiguous(), wc = w.detach().contiguous();
  Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = transposed ? input_pass(s, xc, wc, bc) : forward_pass(s, xc, wc, bc);
  auto details = [&] {
    using V = std::vector<int64_t>;
    trace::Details d{{{"stride", V{s.stride_h, s.stride_w}},
                      {"padding", V{s.pad_h, s.pad_w}},
                      {"dilation", V{s.dil_h, s.dil_w}},
                      {"groups", s.groups}}};
    // The transpose's output size beyond what stride, padding and dilation give.
    if (transposed)
      d.attrs.emplace_back(
          "output_padding",
          V{s.h - ((s.oh - 1) * s.stride_h - 2 * s.pad_h + s.dil_h * (s.kh - 1) + 1),
            s.w - ((s.ow - 1) * s.stride_w - 2 * s.pad_w + s.dil_w * (s.kw - 1) + 1)});
    return d;
  };
  if (Node* n = record(y, transposed ? "ConvTranspose2d" : "Conv2d", {x, w, bias}, details))
    n->rule = ConvBackward{s, transposed, n->needs_grad(1) ? xc : Tensor(),
                           n->needs_grad(0) ? wc : Tensor()};
  return y;
}

void check_common(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias,
                  Size2 stride, Size2 padding, Size2 dilation, int64_t groups) {
  check_dim(op, x, "input", 4);
  check_dim(op, w, "weight", 4);
  check_float(op, x, "input");
  check_same_device(op, x, "input", w, "weight");
  TESSEL_CHECK(w.dtype() == x.dtype(), op, ": 'weight' has dtype ", w.dtype(), " but 'input' has ",
               x.dtype());
  if (bias.defined()) {
    check_dim(op, bias, "bias", 1);
    check_same_device(op, x, "input", bias, "bias");
    TESSEL_CHECK(bias.dtype() == x.dtype(), op, ": 'bias' has dtype ", bias.dtype(),
                 " but 'input' has ", x.dtype());
  }
  TESSEL_CHECK(w.numel() > 0, op, ": weight of shape ", shape_str(w.sizes()), " is empty");
  TESSEL_CHECK(stride[0] > 0 && stride[1] > 0, op, ": stride must be positive, got ",
               size2_str(stride));
  TESSEL_CHECK(padding[0] >= 0 && padding[1] >= 0, op, ": padding must be non-negative, got ",
               size2_str(padding));
  TESSEL_CHECK(dilation[0] > 0 && dilation[1] > 0, op, ": dilation must be positive, got ",
               size2_str(dilation));
  TESSEL_CHECK(groups > 0, op, ": groups must be positive, got ", groups);
  TESSEL_CHECK(x.size(1) % groups == 0, op, ": input has ", x.size(1),
               " channels, not divisible by groups=", groups);
}

void check_bias(const char* op, const Tensor& bias, int64_t channels) {
  TESSEL_CHECK(!bias.defined() || bias.size(0) == channels, op, ": bias has ", bias.size(0),
               " elements but the output has ", channels, " channels");
}

ConvShape shape_of(const Tensor& w, Size2 stride, Size2 padding, Size2 dilation, int64_t groups) {
  ConvShape s;
  s.kh = w.size(2), s.kw = w.size(3);
  s.stride_h = stride[0], s.stride_w = stride[1];
  s.pad_h = padding[0], s.pad_w = padding[1];
  s.dil_h = dilation[0], s.dil_w = dilation[1];
  s.groups = groups;
  return s;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
              Size2 padding, Size2 dilation, int64_t groups) {
  if (autocast_lowers({&x, &weight, &bias}))
    return conv2d(autocast_lower(x), autocast_lower(weight), autocast_lower(bias), stride, padding,
                  dilation, groups);
  check_common("conv2d", x, weight, bias, stride, padding, dilation, groups);
  TESSEL_CHECK(weight.size(1) * groups == x.size(1), "conv2d: weight has ", weight.size(1),
               " input channels per group but input has ", x.size(1),
               " channels with groups=", groups);
  TESSEL_CHECK(weight.size(0) % groups == 0, "conv2d: weight has ", weight.size(0),
               " output channels, not divisible by groups=", groups);
  check_bias("conv2d", bias, weight.size(0));
  ConvShape s = shape_of(weight, stride, padding, dilation, groups);
  s.n = x.size(0), s.c = x.size(1), s.h = x.size(2), s.w = x.size(3), s.o = weight.size(0);
  // The span of the dilated kernel must fit in the padded input.
  int64_t span_h = x.size(2) + 2 * s.pad_h - s.dil_h * (s.kh - 1) - 1;
  int64_t span_w = x.size(3) + 2 * s.pad_w - s.dil_w * (s.kw - 1) - 1;
  TESSEL_CHECK(span_h >= 0 && span_w >= 0, "conv2d: kernel ", s.kh, "x", s.kw, " with dilation ",
               size2_str(dilation), " does not fit in the input ", s.h, "x", s.w, " padded by ",
               size2_str(padding));
  s.oh = span_h / s.stride_h + 1, s.ow = span_w / s.stride_w + 1;
  return run(s, false, x, weight, bias);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
                        Size2 padding, Size2 output_padding, int64_t groups, Size2 dilation) {
  if (autocast_lowers({&x, &weight, &bias}))
    return conv_transpose2d(autocast_lower(x), autocast_lower(weight), autocast_lower(bias), stride,
                            padding, output_padding, groups, dilation);
  const char* op = "conv_transpose2d";
  check_common(op, x, weight, bias, stride, padding, dilation, groups);
  TESSEL_CHECK(weight.size(0) == x.size(1), op, ": weight has ", weight.size(0),
               " input channels but input has ", x.size(1), " channels");
  for (int i : {0, 1})
    TESSEL_CHECK(
        output_padding[size_t(i)] >= 0 && (output_padding[size_t(i)] < stride[size_t(i)] ||
                                           output_padding[size_t(i)] < dilation[size_t(i)]),
        op, ": output_padding ", size2_str(output_padding),
        " must be non-negative and smaller than either stride ", size2_str(stride), " or dilation ",
        size2_str(dilation));
  check_bias(op, bias, weight.size(1) * groups);
  // The convolution whose input gradient this is: its output is x, its input our result.
  ConvShape s = shape_of(weight, stride, padding, dilation, groups);
  s.n = x.size(0), s.o = x.size(1), s.oh = x.size(2), s.ow = x.size(3);
  s.c = weight.size(1) * groups;
  s.h = (s.oh - 1) * s.stride_h - 2 * s.pad_h + s.dil_h * (s.kh - 1) + output_padding[0] + 1;
  s.w = (s.ow - 1) * s.stride_w - 2 * s.pad_w + s.dil_w * (s.kw - 1) + output_padding[1] + 1;
  TESSEL_CHECK(s.h > 0 && s.w > 0, op, ": output size ", s.h, "x", s.w, " is not positive (input ",
               s.oh, "x", s.ow, ", kernel ", s.kh, "x", s.kw, ", stride ", size2_str(stride),
               ", padding ", size2_str(padding), ")");
  return run(s, true, x, weight, bias);
}

}  // namespace tessel
