// Elementwise ops: binary arithmetic with broadcasting and type promotion, comparisons, where,
// and unary math and activations (the backward of each unary op is the matching case of
// kernels::unary_backward, run on the saved input).
#include "engine/ops/elementwise.h"

#include <tuple>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/iter.h"
#include "engine/ops/reduce.h"
#include "kernels/elementwise.h"

namespace tessel {

using kernels::BinaryOp;
using kernels::CompareOp;
using kernels::UnaryOp;
using kernels::UnaryParams;

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  auto rank = [](DType t) {
    switch (t) {
      case DType::Bool:
        return 0;
      case DType::U8:
        return 1;
      case DType::I32:
        return 2;
      case DType::I64:
        return 3;
      case DType::F16:
      case DType::BF16:
        return 4;
      case DType::F32:
        return 5;
      case DType::F64:
        return 6;
    }
    return 0;
  };
  if ((a == DType::F16 && b == DType::BF16) || (a == DType::BF16 && b == DType::F16))
    return DType::F32;
  return rank(a) >= rank(b) ? a : b;
}

namespace {

// Runs the kernel into `out` (already shaped to the broadcast shape and of dtype t).
void run_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  auto p = make_plan<3>(out.sizes(), {&out, &a, &b}, "binary op");
  on_device(out.device(), [&](const auto& ctx) {
    kernels::binary(ctx, op, p, out.dtype(), out.data_ptr(), a.data_ptr(), b.data_ptr());
  });
}

// Inputs brought to one dtype (recorded, so gradients flow back through the cast).
std::pair<Tensor, Tensor> promoted(const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, "self", b, "other");
  DType t = promote_types(a.dtype(), b.dtype());
  return {a.to(t), b.to(t)};
}

Tensor binary_forward(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  TESSEL_CHECK(is_floating(a.dtype()) || (op != BinaryOp::Div && op != BinaryOp::Pow), name,
               ": integer tensors (", a.dtype(), ") are not supported; convert to a float dtype");
  Tensor out = empty(broadcast_shapes(a.sizes(), b.sizes(), name), {a.dtype(), a.device()});
  run_binary(op, out, a, b);
  return out;
}

Tensor compare_op(CompareOp op, const char* name, const Tensor& a_in, const Tensor& b_in) {
  Tensor a, b;  // not a structured binding: the kernel lambda captures them (clang 14 refuses)
  std::tie(a, b) = promoted(name, a_in.detach(), b_in.detach());
  Tensor out = empty(broadcast_shapes(a.sizes(), b.sizes(), name), {DType::Bool, a.device()});
  auto p = make_plan<3>(out.sizes(), {&out, &a, &b}, name);
  on_device(out.device(), [&](const auto& ctx) {
    kernels::compare(ctx, op, p, a.dtype(), out.data<bool>(), a.data_ptr(), b.data_ptr());
  });
  return out;
}

}  // namespace

Tensor add(const Tensor& a_in, const Tensor& b_in, double alpha) {
  if (alpha != 1.0) return add(a_in, b_in * alpha);
  auto [a, b] = promoted("add", a_in, b_in);
  Tensor out = binary_forward(BinaryOp::Add, "add", a, b);
  if (Node* n = record(out, "Add", {a, b}))
    n->rule = summed_to_inputs(a, b, [](const Tensor& g, const Node&) { return std::pair{g, g}; });
  return out;
}

Tensor sub(const Tensor& a_in, const Tensor& b_in, double alpha) {
  if (alpha != 1.0) return sub(a_in, b_in * alpha);
  auto [a, b] = promoted("sub", a_in, b_in);
  Tensor out = binary_forward(BinaryOp::Sub, "sub", a, b);
  if (Node* n = record(out, "Sub", {a, b}))
    n->rule = summed_to_inputs(a, b, [](const Tensor& g, const Node& self) {
      return std::pair{g, self.needs_grad(1) ? neg(g) : Tensor()};
    });
  return out;
}

Tensor mul(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promoted("mul", a_in, b_in);
  Tensor out = binary_forward(BinaryOp::Mul, "mul", a, b);
  if (Node* n = record(out, "Mul", {a, b}))
    n->rule = summed_to_inputs(
        a, b,
        [sa = SavedTensor(n->needs_grad(1) ? a : Tensor()),
         sb = SavedTensor(n->needs_grad(0) ? b : Tensor())](const Tensor& g, const Node& self) {
          return std::pair{self.needs_grad(0) ? g * sb.get() : Tensor(),
                           self.needs_grad(1) ? g * sa.get() : Tensor()};
        });
  return out;
}

Tensor div(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promoted("div", a_in, b_in);
  Tensor out = binary_forward(BinaryOp::Div, "div", a, b);
  if (Node* n = record(out, "Div", {a, b}))
    n->rule = summed_to_inputs(
        a, b,
        [sa = SavedTensor(n->needs_grad(1) ? a : Tensor()), sb = SavedTensor(b)](const Tensor& g,
                                                                                 const Node& self) {
          Tensor b = sb.get();
          Tensor ga = g / b;
          return std::pair{ga, self.needs_grad(1) ? -(ga * sa.get()) / b : Tensor()};
        });
  return out;
}

Tensor pow(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promoted("pow", a_in, b_in);
  Tensor out = binary_forward(BinaryOp::Pow, "pow", a, b);
  if (Node* n = record(out, "Pow", {a, b}))
    n->rule = summed_to_inputs(
        a, b, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, const Node& self) {
          Tensor a = sa.get(), b = sb.get();
          Tensor ga, gb;
          if (self.needs_grad(0)) ga = g * b * pow(a, b - 1.0);
          if (self.needs_grad(1)) {
            // d/db a^b = a^b log a, defined as 0 at a == 0 (PyTorch's convention for b >= 0).
            Tensor v = g * pow(a, b) * log(a);
            gb = where(eq(a, zeros_like(a)), zeros_like(v), v);
          }
          return std::pair{ga, gb};
        });
  return out;
}

Tensor pow(const Tensor& a, double exponent) {
  return pow(a, scalar_tensor(exponent, {a.dtype(), a.device()}));
}

// Where a == b the gradient is split evenly, as PyTorch does.
static Tensor extremum(BinaryOp op, const char* name, const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promoted(name, a_in, b_in);
  Tensor out = binary_forward(op, name, a, b);
  if (Node* n = record(out, name, {a, b}))
    n->rule = summed_to_inputs(a, b,
                               [is_max = op == BinaryOp::Maximum, sa = SavedTensor(a),
                                sb = SavedTensor(b)](const Tensor& g, const Node&) {
                                 Tensor a = sa.get(), b = sb.get();
                                 Tensor wins = is_max ? gt(a, b) : lt(a, b);
                                 Tensor half = g * 0.5, zero = zeros_like(g);
                                 Tensor tie = eq(a, b);
                                 Tensor ga = where(wins, g, where(tie, half, zero));
                                 Tensor gb = where(wins, zero, where(tie, half, g));
                                 return std::pair{ga, gb};
                               });
  return out;
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return extremum(BinaryOp::Maximum, "maximum", a, b);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return extremum(BinaryOp::Minimum, "minimum", a, b);
}

Tensor eq(const Tensor& a, const Tensor& b) {
  return compare_op(CompareOp::Eq, "eq", a, b);
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return compare_op(CompareOp::Ne, "ne", a, b);
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return compare_op(CompareOp::Lt, "lt", a, b);
}
Tensor le(const Tensor& a, const Tensor& b) {
  return compare_op(CompareOp::Le, "le", a, b);
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return compare_op(CompareOp::Gt, "gt", a, b);
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return compare_op(CompareOp::Ge, "ge", a, b);
}

Tensor where(const Tensor& cond, const Tensor& a_in, const Tensor& b_in) {
  check_dtype("where", cond, "condition", DType::Bool);
  check_same_device("where", cond, "condition", a_in, "self");
  Tensor a, b;  // captured by the kernel lambda: no structured binding (clang 14)
  std::tie(a, b) = promoted("where", a_in, b_in);
  Shape shape =
      broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out = empty(shape, {a.dtype(), a.device()});
  auto p = make_plan<4>(shape, {&out, &cond, &a, &b}, "where");
  on_device(out.device(), [&](const auto& ctx) {
    kernels::where(ctx, p, a.dtype(), out.data_ptr(), cond.data<bool>(), a.data_ptr(),
                   b.data_ptr());
  });
  if (Node* n = record(out, "Where", {a, b}))
    n->rule = summed_to_inputs(a, b, [sc = SavedTensor(cond)](const Tensor& g, const Node& self) {
      Tensor c = sc.get(), zero = zeros_like(g);
      return std::pair{self.needs_grad(0) ? where(c, g, zero) : Tensor(),
                       self.needs_grad(1) ? where(c, zero, g) : Tensor()};
    });
  return out;
}

// In place.
static Tensor& binary_inplace(BinaryOp op, const char* name, Tensor& x, const Tensor& b_in) {
  TESSEL_CHECK(!any_requires_grad(x, b_in), name,
               ": in-place op on a tensor that requires grad "
               "while grad mode is on; use the out-of-place op or a NoGradGuard");
  check_same_device(name, x, "self", b_in, "other");
  TESSEL_CHECK(broadcast_shapes(x.sizes(), b_in.sizes(), name) == x.sizes(), name,
               ": 'other' of shape ", shape_str(b_in.sizes()),
               " does not broadcast to 'self' of shape ", shape_str(x.sizes()));
  run_binary(op, x, x, b_in.to(x.dtype()));
  x.storage()->bump_version();
  return x;
}

Tensor& add_(Tensor& x, const Tensor& b, double alpha) {
  return binary_inplace(BinaryOp::Add, "add_", x, alpha == 1.0 ? b : b * alpha);
}
Tensor& sub_(Tensor& x, const Tensor& b, double alpha) {
  return binary_inplace(BinaryOp::Sub, "sub_", x, alpha == 1.0 ? b : b * alpha);
}
Tensor& mul_(Tensor& x, const Tensor& b) {
  return binary_inplace(BinaryOp::Mul, "mul_", x, b);
}
Tensor& div_(Tensor& x, const Tensor& b) {
  return binary_inplace(BinaryOp::Div, "div_", x, b);
}

static Tensor scalar_like(const Tensor& t, double v) {
  return scalar_tensor(v, {is_floating(t.dtype()) ? t.dtype() : DType::F32, t.device()});
}
Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator-(const Tensor& a) {
  return neg(a);
}
Tensor operator+(const Tensor& a, double b) {
  return add(a, scalar_like(a, b));
}
Tensor operator-(const Tensor& a, double b) {
  return sub(a, scalar_like(a, b));
}
Tensor operator*(const Tensor& a, double b) {
  return mul(a, scalar_like(a, b));
}
Tensor operator/(const Tensor& a, double b) {
  return div(a, scalar_like(a, b));
}
Tensor operator+(double a, const Tensor& b) {
  return add(scalar_like(b, a), b);
}
Tensor operator-(double a, const Tensor& b) {
  return sub(scalar_like(b, a), b);
}
Tensor operator*(double a, const Tensor& b) {
  return mul(scalar_like(b, a), b);
}
Tensor operator/(double a, const Tensor& b) {
  return div(scalar_like(b, a), b);
}

// Unary math and activations.

namespace {

struct UnaryBackward {
  UnaryOp op;
  UnaryParams q;
  const char* op_name;
  SavedTensor x;
  std::vector<Tensor> operator()(const Tensor& g, const Node&) const {
    Tensor xv = x.get();
    Tensor gi = empty(xv.sizes(), {xv.dtype(), xv.device()});
    auto p = make_plan<3>(gi.sizes(), {&gi, &g, &xv}, op_name);
    on_device(gi.device(), [&](const auto& ctx) {
      kernels::unary_backward(ctx, op, q, p, gi.dtype(), gi.data_ptr(), g.data_ptr(),
                              xv.data_ptr());
    });
    return {gi};
  }
};

void run_unary(UnaryOp op, UnaryParams q, const char* name, const Tensor& out, const Tensor& x) {
  check_float(name, x, "input");
  auto p = make_plan<2>(out.sizes(), {&out, &x}, name);
  on_device(out.device(), [&](const auto& ctx) {
    kernels::unary(ctx, op, q, p, x.dtype(), out.data_ptr(), x.data_ptr());
  });
}

Tensor unary(UnaryOp op, const char* name, const Tensor& x, UnaryParams q = {}) {
  check_float(name, x, "input");
  Tensor out = empty(x.sizes(), {x.dtype(), x.device()});
  run_unary(op, q, name, out, x);
  auto details = [&] { return trace::Details{{{"a", q.a}, {"b", q.b}}}; };
  if (Node* n = record(out, name, {x}, details)) n->rule = UnaryBackward{op, q, name, x};
  return out;
}

Tensor& unary_inplace(UnaryOp op, const char* name, Tensor& x, UnaryParams q = {}) {
  TESSEL_CHECK(!any_requires_grad(x), name,
               ": in-place op on a tensor that requires grad while "
               "grad mode is on; use the out-of-place op");
  run_unary(op, q, name, x, x);
  x.storage()->bump_version();
  return x;
}

}  // namespace

Tensor neg(const Tensor& x) {
  return unary(UnaryOp::Neg, "neg", x);
}
Tensor abs(const Tensor& x) {
  return unary(UnaryOp::Abs, "abs", x);
}
Tensor exp(const Tensor& x) {
  return unary(UnaryOp::Exp, "exp", x);
}
Tensor log(const Tensor& x) {
  return unary(UnaryOp::Log, "log", x);
}
Tensor sqrt(const Tensor& x) {
  return unary(UnaryOp::Sqrt, "sqrt", x);
}
Tensor rsqrt(const Tensor& x) {
  return unary(UnaryOp::Rsqrt, "rsqrt", x);
}
Tensor sigmoid(const Tensor& x) {
  return unary(UnaryOp::Sigmoid, "sigmoid", x);
}
Tensor tanh(const Tensor& x) {
  return unary(UnaryOp::Tanh, "tanh", x);
}
Tensor relu(const Tensor& x) {
  return unary(UnaryOp::Relu, "relu", x);
}
Tensor relu6(const Tensor& x) {
  return unary(UnaryOp::Relu6, "relu6", x);
}
Tensor leaky_relu(const Tensor& x, double slope) {
  return unary(UnaryOp::LeakyRelu, "leaky_relu", x, {slope, 0});
}
Tensor elu(const Tensor& x, double alpha) {
  return unary(UnaryOp::Elu, "elu", x, {alpha, 0});
}
Tensor hardsigmoid(const Tensor& x) {
  return unary(UnaryOp::Hardsigmoid, "hardsigmoid", x);
}
Tensor hardswish(const Tensor& x) {
  return unary(UnaryOp::Hardswish, "hardswish", x);
}
Tensor silu(const Tensor& x) {
  return unary(UnaryOp::Silu, "silu", x);
}
Tensor gelu(const Tensor& x) {
  return unary(UnaryOp::Gelu, "gelu", x);
}
Tensor clamp(const Tensor& x, double lo, double hi) {
  TESSEL_CHECK(lo <= hi, "clamp: min ", lo, " is greater than max ", hi);
  return unary(UnaryOp::Clamp, "clamp", x, {lo, hi});
}

Tensor& relu_(Tensor& x) {
  return unary_inplace(UnaryOp::Relu, "relu_", x);
}
Tensor& clamp_(Tensor& x, double lo, double hi) {
  TESSEL_CHECK(lo <= hi, "clamp_: min ", lo, " is greater than max ", hi);
  return unary_inplace(UnaryOp::Clamp, "clamp_", x, {lo, hi});
}

}  // namespace tessel
