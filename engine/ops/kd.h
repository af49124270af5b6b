// Knowledge-distillation loss between a student's and a teacher's logits.
// No kernels: composed of log_softmax, softmax and elementwise ops.
#pragma once

#include "engine/tensor.h"

namespace tessel {

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
