// The Dice + CE + edge loss (SuperGradients' DiceCEEdgeLoss), fused (kernels/dice_ce_edge.h),
// differentiable in the logits on CPU and CUDA.
#pragma once

#include <utility>
#include <vector>
#include "engine/ops/dice.h"
#include "engine/tensor.h"

namespace tessel {

// The fused pass (kernels/dice_ce_edge.h): [3C + 4] of I_c, P_c, T_c, then the CE sum and the
// pixel count over the pixels not ignored, then both again over the edge pixels not ignored
// (edge_kernel 1: no edges). Differentiable in the logits.
Tensor dice_ce_edge_stats(const Tensor& logits, const Tensor& labels, int64_t edge_kernel,
                          int64_t ignore_index);

// Dice + CE + edge. With CE_i the softmax cross-entropy of pixel i and E the edge pixels of
// edge_mask(labels, edge_kernel), over the pixels not ignored (V):
//   ce   = sum_{i in V} CE_i / |V|                  (0 when V is empty)
//   edge = sum_{i in V and E} CE_i / |V and E|      (0 when there is no such pixel)
//   loss = w_ce * ce + w_edge * edge + w_dice * dice_loss(logits, labels, {smooth, eps, ignore})
// In one pass over the logits, and one more for the gradient.
// SuperGradients' DiceCEEdgeLoss computes, per head, l3 * (l1 * ce + l2 * edge) + l4 * dice with
// ce_edge_weights (l1, l2) and dice_ce_weights (l3, l4): w_ce = l3 l1, w_edge = l3 l2,
// w_dice = l4 (the defaults here are theirs). Where it differs: its ce divides by all pixels,
// ignored ones included, and its edge term by all edge pixels, ignored ones included (their CE
// counts as 0), which shrinks both as more is ignored; its edge term is NaN without edge pixels;
// and its Dice denominator (see above).
struct DiceCEEdgeOptions {
  double w_ce = 0.5, w_edge = 0.5, w_dice = 1;
  int64_t edge_kernel = 3;
  int64_t ignore_index = -100;
  double smooth = 1, eps = 1e-5;  // of the Dice term
};
Tensor dice_ce_edge_loss(const Tensor& logits, const Tensor& labels,
                         const DiceCEEdgeOptions& options = {});

// sum_i weight_i * dice_ce_edge_loss(logits_i, labels): the main head and the auxiliary heads,
// each at the labels' resolution.
Tensor dice_ce_edge_loss(const std::vector<std::pair<Tensor, double>>& heads, const Tensor& labels,
                         const DiceCEEdgeOptions& options = {});

// A detail head (one channel, [N, 1, H, W]) against the edge map, as SuperGradients does:
// bce_dice_loss(logits, edge_mask(labels, edge_kernel), w_bce, w_dice) over every pixel (an
// ignored region's border is an edge like any other), with smooth 1 and eps 1e-5.
Tensor detail_edge_loss(const Tensor& logits, const Tensor& labels, int64_t edge_kernel = 3,
                        double w_bce = 1, double w_dice = 1);

}  // namespace tessel
