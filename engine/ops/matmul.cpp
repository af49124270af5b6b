// matmul, bmm, linear: one batched GEMM (kernels/matmul.h) behind all three, with the backward
// written as matmuls of the saved operands.
#include "engine/ops/matmul.h"

#include <algorithm>

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/iter.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/matmul.h"

namespace tessel {
namespace {

// A [..., rows, cols] operand as GEMM reads it: the stored matrix (maybe transposed), its row
// stride, and one stride between batch entries.
struct Operand {
  Tensor t;  // keeps the data alive
  bool trans = false;
  int64_t ld = 0, batch_stride = 0;
};

bool matrix_layout(const Tensor& t, Operand& o) {
  int64_t r = t.size(-2), c = t.size(-1), sr = t.stride(-2), sc = t.stride(-1);
  if ((sc == 1 || c == 1) && (r == 1 || sr >= c)) {
    o.trans = false;
    o.ld = r == 1 ? c : sr;
    return true;
  }
  if ((sr == 1 || r == 1) && (c == 1 || sc >= r)) {
    o.trans = true;
    o.ld = c == 1 ? r : sc;
    return true;
  }
  return false;
}

// True when one stride walks every batch dim (all dims but the last two) in order: true for
// contiguous batches and for fully broadcast ones (stride 0).
bool batch_layout(const Tensor& t, Operand& o) {
  int64_t stride = 0, span = 0;
  for (int64_t d = t.dim() - 3; d >= 0; --d) {
    if (t.size(d) == 1) continue;
    if (span == 0)
      stride = t.stride(d), span = t.size(d);
    else if (t.stride(d) != stride * span)
      return false;
    else
      span *= t.size(d);
  }
  o.batch_stride = stride;
  return true;
}

// Transposed views and broadcast operands go to GEMM as they are; other layouts are copied.
Operand as_operand(const Tensor& x, Shape batch) {
  batch.push_back(x.size(-2));
  batch.push_back(x.size(-1));
  Operand o{x.detach().expand(batch)};
  if (!matrix_layout(o.t, o) || !batch_layout(o.t, o)) {
    o.t = o.t.contiguous();
    matrix_layout(o.t, o);
    batch_layout(o.t, o);
  }
  return o;
}

// The recorded product of two >= 2-D operands whose inner sizes agree.
Tensor product(const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, "self", b, "other");
  check_float(name, a, "self");
  TESSEL_CHECK(a.dtype() == b.dtype(), name, ": 'self' has dtype ", a.dtype(), " but 'other' has ",
               b.dtype(), "; convert one with .to(dtype)");
  Shape batch = broadcast_shapes(Shape(a.sizes().begin(), a.sizes().end() - 2),
                                 Shape(b.sizes().begin(), b.sizes().end() - 2), name);
  kernels::Gemm g;
  g.m = a.size(-2), g.k = a.size(-1), g.n = b.size(-1);
  Shape out_shape = batch;
  out_shape.push_back(g.m);
  out_shape.push_back(g.n);
  Tensor out = empty(out_shape, {a.dtype(), a.device()});
  if (g.k == 0) {
    out.zero_();
  } else if (out.numel() > 0) {
    Operand oa = as_operand(a, batch), ob = as_operand(b, batch);
    g.trans_a = oa.trans, g.lda = oa.ld, g.stride_a = oa.batch_stride;
    g.trans_b = ob.trans, g.ldb = ob.ld, g.stride_b = ob.batch_stride;
    g.ldc = g.n, g.stride_c = g.m * g.n, g.batch = shape_numel(batch);
    const void *pa = oa.t.data_ptr(), *pb = ob.t.data_ptr();
    on_device(out.device(),
              [&](const auto& ctx) { kernels::matmul(ctx, g, a.dtype(), pa, pb, out.data_ptr()); });
  }
  // Broadcast batch dims are summed back to each operand's own shape.
  if (Node* n = record(out, "Matmul", {a, b}))
    n->rule = summed_to_inputs(
        a, b,
        [sa = SavedTensor(n->needs_grad(1) ? a : Tensor()),
         sb = SavedTensor(n->needs_grad(0) ? b : Tensor())](const Tensor& g, const Node& self) {
          return std::pair{self.needs_grad(0) ? matmul(g, sb.get().transpose(-1, -2)) : Tensor(),
                           self.needs_grad(1) ? matmul(sa.get().transpose(-1, -2), g) : Tensor()};
        });
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (autocast_lowers({&a, &b})) return matmul(autocast_lower(a), autocast_lower(b));
  TESSEL_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dim, got ",
               shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  int64_t k_b = b.dim() == 1 ? b.size(0) : b.size(-2);
  TESSEL_CHECK(a.size(-1) == k_b, "matmul: 'self' of shape ", shape_str(a.sizes()),
               " and 'other' of shape ", shape_str(b.sizes()), " cannot be multiplied (",
               a.size(-1), " != ", k_b, ")");
  if (b.dim() == 1) return matmul(a, b.unsqueeze(-1)).squeeze(-1);
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (a.dim() > 2 && b.dim() == 2) {
    // One tall GEMM instead of a batch of small ones against the same matrix.
    Shape out_shape = a.sizes();
    out_shape.back() = b.size(1);
    return product("matmul", a.reshape({-1, a.size(-1)}), b).reshape(out_shape);
  }
  return product("matmul", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  if (autocast_lowers({&a, &b})) return bmm(autocast_lower(a), autocast_lower(b));
  check_dim("bmm", a, "self", 3);
  check_dim("bmm", b, "other", 3);
  TESSEL_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: 'self' has ", a.size(0),
               ", 'other' has ", b.size(0));
  TESSEL_CHECK(a.size(2) == b.size(1), "bmm: 'self' of shape ", shape_str(a.sizes()),
               " and 'other' of shape ", shape_str(b.sizes()), " cannot be multiplied (", a.size(2),
               " != ", b.size(1), ")");
  return product("bmm", a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (autocast_lowers({&x, &weight, &bias}))
    return linear(autocast_lower(x), autocast_lower(weight), autocast_lower(bias));
  check_dim("linear", weight, "weight", 2);
  TESSEL_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input of shape ",
               shape_str(x.sizes()), " has ", x.dim() ? x.size(-1) : 0,
               " features but weight of shape ", shape_str(weight.sizes()), " expects ",
               weight.size(1));
  if (!bias.defined()) return matmul(x, weight.transpose(0, 1));
  check_dim("linear", bias, "bias", 1);
  TESSEL_CHECK(bias.size(0) == weight.size(0), "linear: bias has ", bias.size(0),
               " elements but weight has ", weight.size(0), " output features");
  return matmul(x, weight.transpose(0, 1)) + bias;
}

}  // namespace tessel
