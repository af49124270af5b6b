// Direct 3x3 stride-1 convolution in f32, the CPU path for layers where im2col + GEMM is a poor
// fit: few channels (16-64) on large maps, as in UNet's and the real-time networks' first stages.
// There the column matrix is nine times the input and the product's operands are too thin to
// amortise the packing Eigen does per call; the direct kernel reads a zero-bordered copy of the
// input once and keeps a block of output channels x output columns in vector registers.
//
// The register tiles use 16-float vectors where the CPU has AVX-512 and 8-float ones otherwise
// (chosen at run time, so a portable x86-64-v3 build gets AVX-512 too); TESSEL_CPU_ISA=x86-64-v3
// in the environment forces the 8-float kernels. The weight gradient sums its vector lanes last,
// so its rounding depends on that width: the same on every run and thread count of one machine.
#pragma once

#include "kernels/conv.h"

namespace tessel::kernels {

// The vector width the direct kernels use: 16 (AVX-512) or 8.
int conv_direct_vector_width();

// Whether the direct path computes shape `s` (f32 is the caller's condition): groups 1, a 3x3
// kernel, stride 1, padding at most the dilated kernel's reach, rows of 8 or more, and channel
// counts where it beats im2col + GEMM: the forward and input gradient up to 128 channels, the
// weight gradient up to 64 x 64. TESSEL_CONV_DIRECT=0 in the environment turns the path off.
bool conv_direct_applies(const ConvShape& s);
bool conv_direct_weight_applies(const ConvShape& s);

// The three passes of kernels/conv.h on contiguous f32 tensors; `width` 0 takes
// conv_direct_vector_width(), 8 or 16 forces one (tests run both).
void conv_direct_forward(const ConvShape& s, float* y, const float* x, const float* w,
                         const float* bias, int width = 0);
void conv_direct_backward_input(const ConvShape& s, float* dx, const float* dy, const float* w,
                                const float* bias, int width = 0);
void conv_direct_backward_weight(const ConvShape& s, float* dw, const float* dy, const float* x,
                                 int width = 0);

}  // namespace tessel::kernels
