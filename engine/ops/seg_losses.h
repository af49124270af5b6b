// Rank-based and distillation losses for segmentation: Lovász-softmax, OHEM cross-entropy and
// knowledge distillation, with the sort and prefix sum they are built from
// (kernels/sort.h). Written with engine ops, so their gradients come from those ops' rules.
#pragma once

#include <cstdint>

#include "engine/ops/loss.h"
#include "engine/tensor.h"

namespace tessel {

// Stable sort along the last dim (f32 or f64): values (differentiable, through gather) and the
// i64 indices they came from. Equal values keep their order on both backends.
struct SortResult {
  Tensor values, indices;
};
SortResult sort(const Tensor& x, bool descending = false);

// Inclusive prefix sum along the last dim (f32 or f64), differentiable.
Tensor cumsum(const Tensor& x);

// Lovász-softmax (Berman et al. 2018), as the authors' lovasz_softmax: probas [N, C, d...] are
// probabilities (softmax of the logits), labels [N, d...] integers. Per class c, over the pixels
// not ignored, the errors e_i = |[y_i == c] - p_ic| sorted descending are dotted with the
// gradient of the Lovász extension of the Jaccard loss at that order; the loss is the mean over
// classes (only those present in the labels when only_present, their classes='present'), and
// with per_image the mean of that over images. No valid pixel (or no class present) gives 0,
// as theirs does. The loss is piecewise linear in probas; its gradient at ties follows the
// stable order.
struct LovaszOptions {
  bool per_image = false;
  bool only_present = true;  // classes='present'; false is classes='all'
  int64_t ignore_index = -100;
};
Tensor lovasz_softmax(const Tensor& probas, const Tensor& labels,
                      const LovaszOptions& options = {});

// OHEM cross-entropy with mmsegmentation's OHEMPixelSampler rule: with p_i the softmax
// probability of pixel i's true class and the n pixels not ignored sorted by it ascending,
//   threshold = max(thresh, p_(min(min_kept * N, n - 1))),   kept = {i not ignored: p_i <
//   threshold}
// (so at least min_kept per image are kept when that many exist; note the strict <, which drops
// the easiest pixel when min_kept * N >= n, as theirs does). The selection is not differentiated.
// The loss is the mean of cross_entropy(logits, labels, {ignore_index, weight}, None) over the
// kept pixels (HRNet's OhemCrossEntropy), 0 when none is kept. mmsegmentation instead averages
// the masked loss over all pixels, ignored and unkept ones included.
struct OhemOptions {
  double thresh = 0.7;
  int64_t min_kept = 100000;  // per image
  int64_t ignore_index = -100;
  Tensor weight;  // [C] class weights of the cross-entropy, or undefined
};
Tensor ohem_cross_entropy(const Tensor& logits, const Tensor& labels,
                          const OhemOptions& options = {});

// Knowledge distillation: T^2 * KL(softmax(teacher / T) || softmax(student / T)) over the class
// dim (dim 1) of logits [N, C, d...]; the teacher is detached. BatchMean divides the KL summed
// over everything by N (PyTorch's F.kl_div(..., reduction='batchmean') * T * T); PixelMean by
// the number of pixels N * prod(d), so the scale does not grow with the image: the default, for
// segmentation (for [N, C] logits the two agree).
enum class KdReduction { BatchMean, PixelMean };
struct KdOptions {
  double temperature = 1;
  KdReduction reduction = KdReduction::PixelMean;
};
Tensor kd_loss(const Tensor& student, const Tensor& teacher, const KdOptions& options = {});

}  // namespace tessel
