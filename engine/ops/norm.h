// Normalisation layers' functions, with PyTorch's semantics. Weight and bias may be undefined
// (no affine transform); the statistics are computed in f32 for 16-bit inputs.
#pragma once

#include "engine/tensor.h"

namespace tessel {

// x: (N, C, *). Training normalises with the batch's mean and biased variance and, where the
// running stats are defined, updates them in place: r = (1 - momentum) * r + momentum * s, with
// the unbiased variance for running_var. Eval mode normalises with the running stats.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                  double eps = 1e-5);
// x: (N, C, *), statistics per sample and group of C / groups channels; weight, bias: (C).
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// Statistics over the trailing dims `normalized_shape`; weight, bias: normalized_shape.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

}  // namespace tessel
