// Matrix products. Operands must share dtype and device; batch dims broadcast as in
// torch.matmul. CPU: f32, f64; CUDA: f32, f16, bf16 (f32 accumulation), f64.
#pragma once

#include "engine/tensor.h"

namespace tessel {

// 1-D x 1-D is a dot product; a 1-D operand is a row (left) or a column (right) vector that is
// dropped from the result; >= 2-D operands multiply their last two dims and broadcast the rest.
Tensor matmul(const Tensor& a, const Tensor& b);
// [B, m, k] x [B, k, n] -> [B, m, n], no broadcasting.
Tensor bmm(const Tensor& a, const Tensor& b);
// x[..., in] @ weight[out, in]^T + bias[out] (bias may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace tessel
