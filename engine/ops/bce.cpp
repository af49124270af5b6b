// binary_cross_entropy_with_logits, written with elementwise ops: their autograd rules come with
// them (target gradients included), and binary or multi-label heads are small next to the
// softmax CE this engine fuses by hand.
#include "engine/ops/bce.h"

#include "engine/autocast.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace tessel {
namespace {

// log(sigmoid(x)) = -(max(-x, 0) + log(1 + exp(-|x|))): exp never overflows.
Tensor log_sigmoid(const Tensor& x) {
  return -(relu(-x) + log(exp(-abs(x)) + 1.0));
}

// The target as the input's floating type, checked against the input.
Tensor target_like(const char* op, const Tensor& x, const Tensor& t) {
  check_float(op, x, "input");
  check_same_device(op, x, "input", t, "target");
  TESSEL_CHECK(t.sizes() == x.sizes(), op, ": 'target' must have the input's shape ",
               shape_str(x.sizes()), ", got ", shape_str(t.sizes()));
  return is_floating(t.dtype()) ? t : t.to(x.dtype());
}

Tensor bce_terms(const Tensor& x, const Tensor& t, const Tensor& pos_weight) {
  Tensor positive = pos_weight.defined() ? (pos_weight - 1.0) * t + 1.0 : Tensor();
  Tensor ls = log_sigmoid(x);
  return (1.0 - t) * x - (positive.defined() ? positive * ls : ls);
}

}  // namespace

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BceOptions& options) {
  if (autocast_widens({&input}))
    return binary_cross_entropy_with_logits(autocast_widen(input), target, options);
  const char* op = "binary_cross_entropy_with_logits";
  Tensor t = target_like(op, input, target);
  auto check_weight = [&](const Tensor& w, const char* name) {
    if (!w.defined()) return;
    check_float(op, w, name);
    check_same_device(op, input, "input", w, name);
  };
  check_weight(options.weight, "weight");
  check_weight(options.pos_weight, "pos_weight");
  Tensor loss = bce_terms(input, t, options.pos_weight);
  if (options.weight.defined()) loss = loss * options.weight;
  TESSEL_CHECK(loss.sizes() == input.sizes(), op, ": 'weight' and 'pos_weight' must broadcast to ",
               shape_str(input.sizes()), ", got loss shape ", shape_str(loss.sizes()));
  return reduce_loss(loss, options.reduction);
}

}  // namespace tessel
