// The Dice losses: the kernels give the sums I, P, T (kernels/dice.h), a few ops on [C] values
// turn them into a loss, and autograd carries the gradient back through both.
#include "engine/ops/dice.h"
#include "engine/autocast.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/bce.h"
#include "engine/ops/dice_ce_edge.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/dice.h"

namespace tessel {

namespace {

DType stats_dtype(const Tensor& x) {
  return x.dtype() == DType::F64 ? DType::F64 : DType::F32;
}

struct BinaryDiceBackward {
  SavedTensor x, t;
  double ignore_value = 0;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor xv = x.get(), tv = t.get(), g = g_in.contiguous(), dx = empty_like(xv);
    on_device(xv.device(), [&](const auto& ctx) {
      kernels::binary_dice_backward(ctx, xv.dtype(), xv.data_ptr(), tv.data_ptr(), ignore_value,
                                    xv.numel(), g.data_ptr(), dx.data_ptr());
    });
    return {dx};
  }
};

// [3]: I, P, T of sigmoid(logits) against target, differentiable in the logits.
Tensor binary_dice_stats(const Tensor& logits, const Tensor& target, double ignore_value) {
  Tensor x = logits.detach().contiguous(), t = target.detach().to(x.dtype()).contiguous();
  Tensor partials = empty({kernels::stat_rows(x.numel()), 3}, {stats_dtype(x), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::binary_dice_stats(ctx, x.dtype(), x.data_ptr(), t.data_ptr(), ignore_value, x.numel(),
                               partials.data_ptr());
  });
  Tensor stats = sum(partials, {0});  // rows in order: deterministic
  if (Node* n = record(stats, "BinaryDice", {logits}))
    n->rule = BinaryDiceBackward{x, t, ignore_value};
  return stats;
}

void check_binary(const char* op, const Tensor& logits, const Tensor& target,
                  const DiceOptions& o) {
  check_float(op, logits, "logits");
  check_same_device(op, logits, "logits", target, "target");
  bool squeezed = logits.dim() == 4 && logits.size(1) == 1 && target.dim() == 3 &&
                  target.sizes() == logits.squeeze(1).sizes();
  TESSEL_CHECK(target.sizes() == logits.sizes() || squeezed, op, ": 'target' ",
               shape_str(target.sizes()), " must have the shape of 'logits' ",
               shape_str(logits.sizes()), " (or that shape without its channel of 1)");
  TESSEL_CHECK(!o.per_class, op, ": per_class needs classes; binary Dice has one");
}

void check_options(const char* op, const DiceOptions& o) {
  TESSEL_CHECK(o.smooth >= 0 && o.eps > 0, op, ": need smooth >= 0 and eps > 0, got smooth ",
               o.smooth, ", eps ", o.eps);
}

// [C] mask, in like's dtype and device, of the classes that take part: all but ignore_index.
Tensor class_mask(int64_t c, int64_t ignore_index, const Tensor& like) {
  Tensor ids = arange(0, double(c), 1, {like.dtype(), like.device()});
  return ne(ids, scalar_tensor(double(ignore_index), {like.dtype(), like.device()}))
      .to(like.dtype());
}

Tensor scalar_like(const Tensor& t, double v) {
  return scalar_tensor(v, {t.dtype(), t.device()});
}

Tensor as_float(const Tensor& cond, const Tensor& like) {
  return cond.to(like.dtype());
}

}  // namespace

Tensor dice_loss_from_stats(const Tensor& stats, const DiceOptions& o) {
  TESSEL_CHECK(stats.dim() == 2 && stats.size(0) == 3,
               "dice_loss_from_stats: 'stats' must be [3, C], got ", shape_str(stats.sizes()));
  Tensor i = stats.select(0, 0), den = stats.select(0, 1) + stats.select(0, 2);
  Tensor dice = (i * 2.0 + o.smooth) / maximum(den + o.smooth, scalar_like(den, o.eps));
  Tensor counted;
  {
    NoGradGuard no_grad;
    counted = class_mask(stats.size(1), o.ignore_index, den);
    if (o.smooth == 0) counted = counted * as_float(gt(den.detach(), scalar_like(den, 0)), den);
  }
  Tensor loss = (1.0 - dice) * counted;
  if (o.per_class) return loss;
  return sum(loss) / maximum(sum(counted), scalar_like(den, 1));
}

Tensor dice_loss(const Tensor& logits, const Tensor& labels, const DiceOptions& o) {
  check_options("dice_loss", o);
  int64_t c = logits.dim() == 4 ? logits.size(1) : 0;
  Tensor stats = dice_ce_edge_stats(logits, labels, 1, o.ignore_index);
  return dice_loss_from_stats(stats.narrow(0, 0, 3 * c).reshape({3, c}), o);
}

Tensor generalized_dice_loss(const Tensor& logits, const Tensor& labels, const DiceOptions& o) {
  const char* op = "generalized_dice_loss";
  check_options(op, o);
  TESSEL_CHECK(!o.per_class, op, ": per_class does not apply: the loss is one ratio over classes");
  int64_t c = logits.dim() == 4 ? logits.size(1) : 0;
  Tensor stats = dice_ce_edge_stats(logits, labels, 1, o.ignore_index);
  Tensor i = stats.narrow(0, 0, c), p = stats.narrow(0, c, c), t = stats.narrow(0, 2 * c, c);
  Tensor w, any_present;
  {
    NoGradGuard no_grad;
    Tensor td = t.detach(), present = gt(td, scalar_like(td, 0));
    Tensor inv = where(present, 1.0 / (td * td), zeros_like(td));
    w = where(present, inv, max(inv).expand({c})) * class_mask(c, o.ignore_index, td);
    any_present = as_float(gt(sum(td * w), scalar_like(td, 0)), td);
  }
  Tensor num = sum(w * i) * 2.0 + o.smooth;
  Tensor den = maximum(sum(w * (p + t)) + o.smooth, scalar_like(t, o.eps));
  return (1.0 - num / den) * any_present;
}

Tensor log_cosh_dice_loss(const Tensor& logits, const Tensor& labels, const DiceOptions& o) {
  // log(cosh(x)) = x + log(1 + exp(-2x)) - log(2): no overflow for the x >= 0 a loss has.
  Tensor l = dice_loss(logits, labels, o);
  return l + log(exp(l * -2.0) + 1.0) - std::log(2.0);
}

Tensor binary_dice_loss(const Tensor& logits, const Tensor& target, const DiceOptions& o) {
  if (autocast_widens({&logits})) return binary_dice_loss(autocast_widen(logits), target, o);
  check_binary("binary_dice_loss", logits, target, o);
  check_options("binary_dice_loss", o);
  return dice_loss_from_stats(
             binary_dice_stats(logits, target, double(o.ignore_index)).reshape({3, 1}), o)
      .reshape({});
}

Tensor bce_dice_loss(const Tensor& logits, const Tensor& target, double w_bce, double w_dice,
                     const DiceOptions& o) {
  if (autocast_widens({&logits}))
    return bce_dice_loss(autocast_widen(logits), target, w_bce, w_dice, o);
  check_binary("bce_dice_loss", logits, target, o);
  Tensor t = target.detach().to(logits.dtype()).reshape(logits.sizes()), mask;
  {
    NoGradGuard no_grad;
    mask = as_float(ne(t, scalar_like(t, double(o.ignore_index))), t);
  }
  BceOptions bo;
  bo.weight = mask, bo.reduction = Reduction::Sum;
  Tensor bce =
      binary_cross_entropy_with_logits(logits, t, bo) / maximum(sum(mask), scalar_like(t, 1));
  return bce * w_bce + binary_dice_loss(logits, t, o) * w_dice;
}

}  // namespace tessel
