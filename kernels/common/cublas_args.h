// The column-major cuBLAS call that computes a row-major Gemm (kernels/matmul.h), decided on the
// host so the mapping is tested against a naive column-major product without a GPU.
//
// Row-major C [m, n] is column-major C^T [n, m], and C^T = op(B)^T @ op(A)^T: cuBLAS's first
// operand is our B, its second our A, its (m, n) our (n, m); leading dimensions and batch strides
// carry over unchanged (a row stride of a row-major matrix is the column stride of its transpose).
#pragma once

#include <climits>
#include <cstdint>

#include "core/error.h"
#include "kernels/matmul.h"

namespace tessel::kernels {

// In cuBLAS's order: "first" is our B, "second" our A.
struct CublasArgs {
  bool trans_first = false, trans_second = false;  // cuBLAS's transa, transb
  int m = 0, n = 0, k = 0;                         // cuBLAS's, of its column-major C [m, n]
  int ld_first = 0, ld_second = 0, ld_c = 0;
  int64_t stride_first = 0, stride_second = 0, stride_c = 0;
  int batch = 1;
};

inline int cublas_int(int64_t v, const char* what) {
  TESSEL_CHECK(v >= 0 && v <= INT_MAX, "matmul (CUDA): ", what, " = ", v,
               " exceeds cuBLAS's int range");
  return int(v);
}

inline CublasArgs cublas_args(const Gemm& g) {
  CublasArgs a;
  a.trans_first = g.trans_b;
  a.trans_second = g.trans_a;
  a.m = cublas_int(g.n, "n");
  a.n = cublas_int(g.m, "m");
  a.k = cublas_int(g.k, "k");
  a.ld_first = cublas_int(g.ldb, "ldb");
  a.ld_second = cublas_int(g.lda, "lda");
  a.ld_c = cublas_int(g.ldc, "ldc");
  a.stride_first = g.stride_b;
  a.stride_second = g.stride_a;
  a.stride_c = g.stride_c;
  a.batch = cublas_int(g.batch, "batch");
  return a;
}

}  // namespace tessel::kernels
