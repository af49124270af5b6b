// 2-D convolution (cross-correlation, NCHW, PyTorch semantics) as three passes over contiguous
// tensors: forward y = conv(x, w), the input gradient dx = conv^T(dy, w) and the weight gradient
// dw = conv_w(dy, x). conv_transpose2d is the input-gradient pass run forward (x in place of dy),
// so both ops share these kernels.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

// The convolution x[n, c, h, w] * w[o, c / groups, kh, kw] -> y[n, o, oh, ow].
struct ConvShape {
  int64_t n = 0, c = 0, h = 0, w = 0;
  int64_t o = 0, kh = 0, kw = 0;
  int64_t oh = 0, ow = 0;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;
  int64_t groups = 1;
};

// `bias` (may be null) is added per channel of what the pass writes: y's o channels in the
// forward, dx's c channels in the input-gradient pass (conv_transpose2d's bias).
// f32, f64 (im2col + Eigen GEMM).
void conv2d_forward(const CpuContext&, const ConvShape& s, DType type, void* y, const void* x,
                    const void* w, const void* bias);
void conv2d_backward_input(const CpuContext&, const ConvShape& s, DType type, void* dx,
                           const void* dy, const void* w, const void* bias);
void conv2d_backward_weight(const CpuContext&, const ConvShape& s, DType type, void* dw,
                            const void* dy, const void* x);
// f32, f16, bf16 (f32 compute), f64 (cuDNN).
void conv2d_forward(const CudaContext&, const ConvShape& s, DType type, void* y, const void* x,
                    const void* w, const void* bias);
void conv2d_backward_input(const CudaContext&, const ConvShape& s, DType type, void* dx,
                           const void* dy, const void* w, const void* bias);
void conv2d_backward_weight(const CudaContext&, const ConvShape& s, DType type, void* dw,
                            const void* dy, const void* x);

}  // namespace tessel::kernels
