// OHEM cross-entropy: the hardest pixels only.
// No kernels: composed of softmax, sort and cross_entropy.
#pragma once

#include "engine/tensor.h"

namespace tessel {

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

}  // namespace tessel
