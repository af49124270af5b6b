// The Dice + CE + edge loss: one fused pass (kernels/dice_ce_edge.h) gives
// every sum the loss needs, a few ops on them give the loss, and the pass's backward node takes
// their gradients back to the logits in one more pass.
#include "kernels/dice_ce_edge.h"
#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/bce.h"
#include "engine/ops/dice.h"
#include "engine/ops/dice_ce_edge.h"
#include "engine/ops/edge.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace tessel {

namespace {

struct SegPassBackward {
  kernels::SegPass a;
  SavedTensor x, y;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor xv = x.get(), yv = y.get(), g = g_in.contiguous(), dx = empty_like(xv);
    on_device(xv.device(), [&](const auto& ctx) {
      kernels::seg_pass_backward(ctx, a, xv.data_ptr(), yv.data_ptr(), g.data_ptr(), dx.data_ptr());
    });
    return {dx};
  }
};

}  // namespace

Tensor dice_ce_edge_stats(const Tensor& logits, const Tensor& labels, int64_t edge_kernel,
                          int64_t ignore_index) {
  if (autocast_widens({&logits}))
    return dice_ce_edge_stats(autocast_widen(logits), labels, edge_kernel, ignore_index);
  const char* op = "dice_ce_edge";
  check_float(op, logits, "logits");
  TESSEL_CHECK(logits.dim() == 4 && logits.size(1) > 0, op,
               ": 'logits' must be [N, C, H, W] with C > 0, got ", shape_str(logits.sizes()));
  check_label_map(op, labels);
  check_same_device(op, logits, "logits", labels, "labels");
  Shape expect{logits.size(0), logits.size(2), logits.size(3)};
  TESSEL_CHECK(labels.sizes() == expect, op, ": 'labels' must have shape ", shape_str(expect),
               " for logits ", shape_str(logits.sizes()), ", got ", shape_str(labels.sizes()));
  check_edge_kernel(op, edge_kernel);
  Tensor x = logits.detach().contiguous(), y = labels.contiguous();
  kernels::SegPass a{x.size(0),    x.size(1),   x.size(2), x.size(3),
                     ignore_index, edge_kernel, x.dtype(), y.dtype()};
  DType st = x.dtype() == DType::F64 ? DType::F64 : DType::F32;
  Tensor partials = empty({kernels::stat_rows(a.pixels()), a.width_of_stats()}, {st, x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::seg_pass(ctx, a, x.data_ptr(), y.data_ptr(), partials.data_ptr());
  });
  Tensor stats = sum(partials, {0});  // rows in order: deterministic
  if (Node* n = record(stats, "DiceCEEdge", {logits})) n->rule = SegPassBackward{a, x, y};
  return stats;
}

Tensor dice_ce_edge_loss(const Tensor& logits, const Tensor& labels, const DiceCEEdgeOptions& o) {
  Tensor s = dice_ce_edge_stats(logits, labels, o.edge_kernel, o.ignore_index);
  int64_t c = logits.size(1);
  // The counts have no gradient; max(count, 1) turns an empty mean into 0 / 1.
  Tensor one = scalar_tensor(1, {s.dtype(), s.device()});
  Tensor ce = s.select(0, 3 * c) / maximum(s.select(0, 3 * c + 1).detach(), one);
  Tensor edge = s.select(0, 3 * c + 2) / maximum(s.select(0, 3 * c + 3).detach(), one);
  Tensor dice = dice_loss_from_stats(s.narrow(0, 0, 3 * c).reshape({3, c}),
                                     {o.smooth, o.eps, o.ignore_index, false});
  return ce * o.w_ce + edge * o.w_edge + dice * o.w_dice;
}

Tensor dice_ce_edge_loss(const std::vector<std::pair<Tensor, double>>& heads, const Tensor& labels,
                         const DiceCEEdgeOptions& o) {
  TESSEL_CHECK(!heads.empty(), "dice_ce_edge_loss: needs at least one head");
  Tensor total;
  for (const auto& [logits, weight] : heads) {
    Tensor l = dice_ce_edge_loss(logits, labels, o) * weight;
    total = total.defined() ? total + l : l;
  }
  return total;
}

Tensor detail_edge_loss(const Tensor& logits, const Tensor& labels, int64_t edge_kernel,
                        double w_bce, double w_dice) {
  if (autocast_widens({&logits}))
    return detail_edge_loss(autocast_widen(logits), labels, edge_kernel, w_bce, w_dice);
  TESSEL_CHECK(logits.dim() == 4 && logits.size(1) == 1,
               "detail_edge_loss: 'logits' must be [N, 1, H, W], got ", shape_str(logits.sizes()));
  Tensor edges = edge_mask(labels, edge_kernel).to(logits.dtype());
  return bce_dice_loss(logits, edges, w_bce, w_dice, DiceOptions{});
}

}  // namespace tessel
