// max_pool2d, avg_pool2d, adaptive_avg_pool2d and their one backward node; max_unpool2d and its.
#include "engine/ops/pool.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pad.h"
#include "engine/ops/reduce.h"
#include "kernels/pool.h"

namespace tessel {

using kernels::PoolKind;

namespace {

// PyTorch's pooling_output_shape.
int64_t pooled_size(const char* op, int64_t in, int64_t k, int64_t s, int64_t pad, int64_t d,
                    bool ceil_mode) {
  int64_t out = kernels::floor_div(in + 2 * pad - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad) --out;
  TESSEL_CHECK(out >= 1, op, ": output size ", out, " is too small (input ", in, ", kernel ", k,
               ", stride ", s, ", padding ", pad, ", dilation ", d, ")");
  return out;
}

void check_input(const char* op, const Tensor& x) {
  check_float(op, x, "input");
  TESSEL_CHECK((x.dim() == 3 || x.dim() == 4) && x.size(-1) > 0 && x.size(-2) > 0, op,
               ": 'input' must be (C, H, W) or (N, C, H, W) with H, W > 0, got shape ",
               shape_str(x.sizes()));
}

// A window pooling from `in` to `out` pixels per plane.
kernels::Pool2d geometry(int64_t planes, Size2 in, Size2 out, Size2 kernel, Size2 stride,
                         Size2 padding, Size2 dilation) {
  return {planes,    in[0],     in[1],      out[0],     out[1],      kernel[0],   kernel[1],
          stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], true};
}

kernels::Pool2d window_pool(const char* op, const Tensor& x, Size2 kernel, Size2 stride,
                            Size2 padding, Size2 dilation, bool ceil_mode) {
  check_input(op, x);
  if (stride == Size2{0, 0}) stride = kernel;
  for (int a = 0; a < 2; ++a) {
    TESSEL_CHECK(kernel[a] > 0 && stride[a] > 0 && dilation[a] > 0, op,
                 ": kernel, stride and dilation must be positive, got kernel ", size2_str(kernel),
                 ", stride ", size2_str(stride), ", dilation ", size2_str(dilation));
    TESSEL_CHECK(padding[a] >= 0 && padding[a] <= kernel[a] / 2, op, ": padding ",
                 size2_str(padding), " must be between 0 and half the kernel ", size2_str(kernel));
  }
  int64_t h = x.size(-2), w = x.size(-1);
  return geometry(x.numel() / (h * w), {h, w},
                  {pooled_size(op, h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode),
                   pooled_size(op, w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)},
                  kernel, stride, padding, dilation);
}

Shape pooled_shape(const Tensor& x, const kernels::Pool2d& p) {
  Shape s = x.sizes();
  s[s.size() - 2] = p.out_h;
  s[s.size() - 1] = p.out_w;
  return s;
}

// Every pooling backward, and unpooling's, is a gather into a fresh input-shaped gradient: max
// pooling and unpooling read the saved indices, the averages only the window geometry.
enum class PoolOp { Max, Avg, AdaptiveAvg, MaxUnpool };

PoolKind average_kind(PoolOp op) {
  return op == PoolOp::Avg ? PoolKind::Avg : PoolKind::AdaptiveAvg;
}

struct PoolBackward {
  kernels::Pool2d p;
  PoolOp op;
  SavedTensor indices;  // max pooling and unpooling
  Shape in_shape;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor g = g_in.contiguous();
    Tensor gi = empty(in_shape, {g.dtype(), g.device()});
    Tensor idx_tensor = indices.defined() ? indices.get() : Tensor();
    const int64_t* idx = idx_tensor.defined() ? idx_tensor.data<int64_t>() : nullptr;
    DType t = g.dtype();
    on_device(g.device(), [&](const auto& ctx) {
      if (op == PoolOp::Max)
        kernels::max_pool2d_backward(ctx, p, t, gi.data_ptr(), g.data_ptr(), idx);
      else if (op == PoolOp::MaxUnpool)
        kernels::max_unpool2d_backward(ctx, p, t, gi.data_ptr(), g.data_ptr(), idx);
      else
        kernels::avg_pool2d_backward(ctx, average_kind(op), p, t, gi.data_ptr(), g.data_ptr());
    });
    return {gi};
  }
};

Tensor record_pool(Tensor& out, const Tensor& x, const kernels::Pool2d& p, PoolOp op,
                   const Tensor& indices, bool ceil_mode = false) {
  const char* names[] = {"MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "MaxUnpool2d"};
  auto details = [&] {
    using V = std::vector<int64_t>;
    trace::Details d{{{"kernel", V{p.kh, p.kw}},
                      {"stride", V{p.sh, p.sw}},
                      {"padding", V{p.ph, p.pw}},
                      {"dilation", V{p.dh, p.dw}},
                      {"count_include_pad", int64_t(p.count_include_pad)},
                      {"ceil_mode", int64_t(ceil_mode)}}};
    if (op == PoolOp::Max) d.outputs = {indices};
    if (op == PoolOp::MaxUnpool) d.inputs = {indices};
    return d;
  };
  if (Node* n = record(out, names[int(op)], {x}, details))
    n->rule = PoolBackward{p, op, indices, x.sizes()};
  return out;
}

Tensor average(PoolKind kind, const kernels::Pool2d& p, const Tensor& x_in, bool ceil_mode) {
  Tensor x = x_in.detach().contiguous();
  Tensor out = empty(pooled_shape(x, p), {x.dtype(), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::avg_pool2d(ctx, kind, p, x.dtype(), out.data_ptr(), x.data_ptr());
  });
  return record_pool(out, x_in, p, kind == PoolKind::Avg ? PoolOp::Avg : PoolOp::AdaptiveAvg,
                     Tensor(), ceil_mode);
}

}  // namespace

Tensor max_unpool2d(const Tensor& x_in, const Tensor& indices, Size2 kernel, Size2 stride,
                    Size2 padding, Size2 output_size) {
  check_input("max_unpool2d", x_in);
  check_dtype("max_unpool2d", indices, "indices", DType::I64);
  check_same_device("max_unpool2d", x_in, "input", indices, "indices");
  TESSEL_CHECK(indices.sizes() == x_in.sizes(), "max_unpool2d: 'indices' has shape ",
               shape_str(indices.sizes()), ", 'input' ", shape_str(x_in.sizes()));
  if (stride == Size2{0, 0}) stride = kernel;
  Size2 size;
  for (int a = 0; a < 2; ++a) {
    TESSEL_CHECK(kernel[a] > 0 && stride[a] > 0 && padding[a] >= 0, "max_unpool2d: kernel ",
                 size2_str(kernel), " and stride ", size2_str(stride),
                 " must be positive and padding ", size2_str(padding), " not negative");
    int64_t natural = (x_in.size(a - 2) - 1) * stride[a] - 2 * padding[a] + kernel[a];
    size[a] = output_size[a] > 0 ? output_size[a] : natural;
    TESSEL_CHECK(size[a] > natural - stride[a] && size[a] < natural + stride[a] && size[a] > 0,
                 "max_unpool2d: 'output_size' ", size2_str(output_size),
                 " must be within the stride ", size2_str(stride), " of the default ", natural,
                 " in dimension ", a);
  }
  Size2 pooled{x_in.size(-2), x_in.size(-1)};
  kernels::Pool2d p = geometry(x_in.numel() / (pooled[0] * pooled[1]), size, pooled, kernel, stride,
                               padding, {1, 1});
  Tensor x = x_in.detach().contiguous(), idx = indices.contiguous();
  Shape shape = x.sizes();
  shape[shape.size() - 2] = size[0];
  shape[shape.size() - 1] = size[1];
  Tensor out = empty(shape, {x.dtype(), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::max_unpool2d(ctx, p, x.dtype(), out.data_ptr(), x.data_ptr(), idx.data<int64_t>());
  });
  record_pool(out, x_in, p, PoolOp::MaxUnpool, idx);
  return out;
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x_in, Size2 kernel, Size2 stride,
                                                  Size2 padding, Size2 dilation, bool ceil_mode) {
  auto p = window_pool("max_pool2d", x_in, kernel, stride, padding, dilation, ceil_mode);
  Tensor x = x_in.detach().contiguous();
  Tensor out = empty(pooled_shape(x, p), {x.dtype(), x.device()});
  Tensor idx = empty(out.sizes(), {DType::I64, x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::max_pool2d(ctx, p, x.dtype(), out.data_ptr(), idx.data<int64_t>(), x.data_ptr());
  });
  return {record_pool(out, x_in, p, PoolOp::Max, idx, ceil_mode), idx};
}

Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation,
                  bool ceil_mode) {
  return max_pool2d_with_indices(x, kernel, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad) {
  auto p = window_pool("avg_pool2d", x, kernel, stride, padding, {1, 1}, ceil_mode);
  p.count_include_pad = count_include_pad;
  return average(PoolKind::Avg, p, x, ceil_mode);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  check_input("adaptive_avg_pool2d", x);
  TESSEL_CHECK(output_size[0] > 0 && output_size[1] > 0,
               "adaptive_avg_pool2d: 'output_size' must be positive, got ", size2_str(output_size));
  int64_t h = x.size(-2), w = x.size(-1);
  kernels::Pool2d p{
      x.numel() / (h * w), h, w, output_size[0], output_size[1], 0, 0, 0, 0, 0, 0, 0, 0, false};
  return average(PoolKind::AdaptiveAvg, p, x, false);
}

}  // namespace tessel
