// cross_entropy: the fused kernels of kernels/cross_entropy.h; backward saves the logits, the
// labels and one lse per pixel, never the probabilities.
#include "engine/ops/cross_entropy.h"

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/cross_entropy.h"

namespace tessel {
namespace {

const void* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr() : nullptr;
}

kernels::CeArgs ce_args(const Tensor& x, const Tensor& y, const Tensor& w,
                        const CrossEntropyOptions& o) {
  return {
      x.size(0),      x.size(1),         x.numel() / std::max<int64_t>(x.size(0) * x.size(1), 1),
      o.ignore_index, o.label_smoothing, x.dtype(),
      y.dtype(),      x.data_ptr(),      y.data_ptr(),
      ptr_or_null(w)};
}

struct CrossEntropyBackward {
  CrossEntropyOptions options;
  SavedTensor logits, labels, weight, lse, totals;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor x = logits.get(), y = labels.get(), l = lse.get();
    Tensor w = weight.defined() ? weight.get() : Tensor();
    Tensor t = totals.defined() ? totals.get() : Tensor();
    Tensor g = g_in.to(x.dtype()).contiguous(), dx = empty_like(x);
    kernels::CeArgs a = ce_args(x, y, w, options);
    bool mean = options.reduction == Reduction::Mean;
    kernels::CeGrad cg{g.data_ptr(), options.reduction == Reduction::None,
                       mean ? t.data_ptr() : nullptr};
    on_device(x.device(), [&](const auto& ctx) {
      kernels::cross_entropy_backward(ctx, a, l.data_ptr(), cg, dx.data_ptr());
    });
    return {dx};
  }
};

void check_args(const Tensor& x, const Tensor& y, const CrossEntropyOptions& o) {
  const char* op = "cross_entropy";
  check_float(op, x, "logits");
  TESSEL_CHECK(x.dim() >= 2, op, ": 'logits' must be [N, C, ...], got shape ",
               shape_str(x.sizes()));
  TESSEL_CHECK(x.size(1) > 0, op, ": 'logits' needs at least one class, got shape ",
               shape_str(x.sizes()));
  DType lt = y.dtype();
  TESSEL_CHECK(lt == DType::U8 || lt == DType::I32 || lt == DType::I64, op,
               ": 'labels' must be u8, i32 or i64, got ", lt);
  check_same_device(op, x, "logits", y, "labels");
  Shape expect = x.sizes();
  expect.erase(expect.begin() + 1);
  TESSEL_CHECK(y.sizes() == expect, op, ": 'labels' must have shape ", shape_str(expect),
               " for logits ", shape_str(x.sizes()), ", got ", shape_str(y.sizes()));
  if (o.weight.defined()) {
    check_float(op, o.weight, "weight");
    check_same_device(op, x, "logits", o.weight, "weight");
    TESSEL_CHECK(o.weight.sizes() == Shape{x.size(1)}, op, ": 'weight' must have shape [",
                 x.size(1), "], got ", shape_str(o.weight.sizes()));
  }
  TESSEL_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, op,
               ": 'label_smoothing' must be in [0, 1], got ", o.label_smoothing);
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& labels,
                     const CrossEntropyOptions& options) {
  if (autocast_widens({&logits})) return cross_entropy(autocast_widen(logits), labels, options);
  check_args(logits, labels, options);
  Tensor x = logits.detach().contiguous(), y = labels.contiguous();
  DType stat = x.dtype() == DType::F64 ? DType::F64 : DType::F32;
  Tensor w = options.weight.defined() ? options.weight.detach().to(stat).contiguous() : Tensor();
  TensorOptions on{stat, x.device()};
  Shape pixels = y.sizes();
  Tensor lse = empty(pixels, on);
  bool reduce = options.reduction != Reduction::None;
  Tensor out = empty(reduce ? Shape{} : pixels, {x.dtype(), x.device()});
  Tensor totals = reduce ? empty({2}, on) : Tensor();
  kernels::CeArgs a = ce_args(x, y, w, options);
  bool mean = options.reduction == Reduction::Mean;
  void* sums = reduce ? totals.data_ptr() : nullptr;
  on_device(x.device(), [&](const auto& ctx) {
    kernels::cross_entropy_forward(ctx, a, lse.data_ptr(), out.data_ptr(), sums, mean);
  });
  if (Node* n = record(out, "CrossEntropy", {logits})) {
    CrossEntropyOptions saved = options;
    saved.weight = Tensor();  // saved as `weight`, in the statistics' dtype
    n->rule = CrossEntropyBackward{saved, x, y, w, lse, mean ? totals : Tensor()};
  }
  return out;
}

}  // namespace tessel
