// Unary math and activations. The backward of each is the matching case of
// kernels::unary_backward, run on the saved input.
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/iter.h"
#include "engine/ops.h"
#include "kernels/elementwise.h"

namespace tessel {

using kernels::UnaryOp;
using kernels::UnaryParams;

namespace {

struct UnaryBackward : Node {
  UnaryOp op;
  UnaryParams q;
  const char* op_name;
  SavedTensor x;
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor xv = x.get();
    Tensor gi = empty(xv.sizes(), {xv.dtype(), xv.device()});
    auto p = make_plan<3>(gi.sizes(), {&gi, &g, &xv}, op_name);
    on_device(
        gi.device(),
        [&] {
          kernels::cpu::unary_backward(op, q, p, gi.dtype(), gi.data_ptr(), g.data_ptr(),
                                       xv.data_ptr());
        },
        [&](auto s) {
          kernels::cuda::unary_backward(op, q, p, gi.dtype(), gi.data_ptr(), g.data_ptr(),
                                        xv.data_ptr(), s);
        });
    return {gi};
  }
  std::string name() const override { return std::string(op_name) + "Backward"; }
  void release() override { x.reset(); }
};

void run_unary(UnaryOp op, UnaryParams q, const char* name, const Tensor& out, const Tensor& x) {
  check_float(name, x, "input");
  auto p = make_plan<2>(out.sizes(), {&out, &x}, name);
  on_device(
      out.device(), [&] { kernels::cpu::unary(op, q, p, x.dtype(), out.data_ptr(), x.data_ptr()); },
      [&](auto s) { kernels::cuda::unary(op, q, p, x.dtype(), out.data_ptr(), x.data_ptr(), s); });
}

Tensor unary(UnaryOp op, const char* name, const Tensor& x, UnaryParams q = {}) {
  check_float(name, x, "input");
  Tensor out = empty(x.sizes(), {x.dtype(), x.device()});
  run_unary(op, q, name, out, x);
  if (auto n = record<UnaryBackward>(out, {x})) {
    n->op = op;
    n->q = q;
    n->op_name = name;
    n->x = x;
  }
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
