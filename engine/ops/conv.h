// 2-D convolutions over NCHW tensors, with PyTorch's semantics and argument order. Operands share
// dtype and device; CPU: f32, f64; CUDA: f32, f16, bf16 (f32 compute), f64.
#pragma once

#include <array>

#include "engine/tensor.h"

namespace tessel {

// x[N, C, H, W], weight[O, C / groups, kh, kw], bias[O] or undefined -> [N, O, OH, OW].
// groups == C == O is a depthwise convolution.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              Size2 stride = {1, 1}, Size2 padding = {0, 0}, Size2 dilation = {1, 1},
              int64_t groups = 1);

// The gradient of conv2d with respect to its input, as a layer (a "deconvolution"):
// x[N, C, H, W], weight[C, O / groups, kh, kw], bias[O] -> [N, O, OH, OW] with
// OH = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        Size2 stride = {1, 1}, Size2 padding = {0, 0},
                        Size2 output_padding = {0, 0}, int64_t groups = 1, Size2 dilation = {1, 1});

}  // namespace tessel
