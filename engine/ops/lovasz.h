// Lovász-softmax loss.
// No kernels: composed of sort, cumsum and elementwise ops, whose rules give the gradient.
#pragma once

#include "engine/tensor.h"

namespace tessel {

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

}  // namespace tessel
