// Softmax cross-entropy over class indices, fused (kernels/cross_entropy.h): the loss has the
// logits' dtype; gradients flow to the logits.
#pragma once

#include "engine/ops/reduce.h"
#include "engine/tensor.h"

namespace tessel {

struct CrossEntropyOptions {
  int64_t ignore_index = -100;
  Tensor weight;  // [C] class weights, or undefined for all 1
  double label_smoothing = 0;
  Reduction reduction = Reduction::Mean;
};

// PyTorch's F.cross_entropy over class indices. logits [N, C, d...] (or [N, C]), labels
// [N, d...] of u8, i32 or i64. Per pixel, with eps the smoothing and w the weights:
//   loss_i = (1 - eps) * w[y_i] * -logp_i[y_i] + eps / C * sum_c w[c] * -logp_i[c],
// 0 where y_i == ignore_index; None gives loss_i ([N, d...]), Sum their sum, and Mean their sum
// over sum of w[y_i] over the pixels not ignored (NaN when every pixel is ignored, as in PyTorch).
// With label_smoothing > 0, Mean and no weights every term is over the pixels not ignored, as in
// PyTorch 1.13 (checked by the fixture); PyTorch 1.10-1.11 divided the smoothing term by all
// pixels, ignored ones included.
// A label outside [0, C) that is not ignore_index: an error on the CPU that names the label; on
// CUDA (which would need a host sync to raise it) the loss and its gradient become NaN.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels,
                     const CrossEntropyOptions& options = {});

}  // namespace tessel
