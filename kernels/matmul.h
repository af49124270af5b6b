// Batched matrix products on row-major operands: C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i]
// for i in [0, batch), where op transposes when asked. Leading dimensions and batch strides let
// the op hand transposed views and broadcast operands (batch stride 0) over without copying.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

struct Gemm {
  int64_t m = 0, n = 0, k = 0;  // op(A) is [m, k], op(B) is [k, n], C is [m, n]
  bool trans_a = false, trans_b = false;
  int64_t lda = 0, ldb = 0, ldc = 0;  // row strides of A, B, C as stored
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
  double alpha = 1, beta = 0;  // beta == 0 never reads C
};

// f32, f64 (Eigen).
void matmul(const CpuContext&, const Gemm& g, DType type, const void* a, const void* b, void* c);
// f32, f16, bf16 with f32 accumulation, and f64 (cuBLAS, on the current device's handle).
void matmul(const CudaContext&, const Gemm& g, DType type, const void* a, const void* b, void* c);

}  // namespace tessel::kernels
