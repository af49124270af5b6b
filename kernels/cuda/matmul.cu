#include <climits>

#include "kernels/cuda/cublas.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/matmul.h"

namespace tessel::kernels {
namespace {

cudaDataType_t cuda_type(DType t) {
  switch (t) {
    case DType::F32:
      return CUDA_R_32F;
    case DType::F64:
      return CUDA_R_64F;
    case DType::F16:
      return CUDA_R_16F;
    case DType::BF16:
      return CUDA_R_16BF;
    default:
      TESSEL_FAIL("matmul (CUDA): dtype ", t, " is not supported");
  }
}

int as_int(int64_t v, const char* what) {
  TESSEL_CHECK(v >= 0 && v <= INT_MAX, "matmul (CUDA): ", what, " = ", v,
               " exceeds cuBLAS's int range");
  return int(v);
}

}  // namespace

void matmul(const CudaContext& ctx, const Gemm& g, DType type, const void* a, const void* b,
            void* c) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  cublasHandle_t handle = ctx.cublas();
  cudaDataType_t dt = cuda_type(type);
  // f64 keeps f64 arithmetic; everything else accumulates in f32 (strict: no TF32 for f32).
  bool f64 = type == DType::F64;
  cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
  float alpha_f = float(g.alpha), beta_f = float(g.beta);
  const void* alpha = f64 ? static_cast<const void*>(&g.alpha) : &alpha_f;
  const void* beta = f64 ? static_cast<const void*>(&g.beta) : &beta_f;
  // cuBLAS is column-major: a row-major C = A @ B is the column-major C^T = B^T @ A^T.
  cublasOperation_t op_a = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t op_b = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  int m = as_int(g.m, "m"), n = as_int(g.n, "n"), k = as_int(g.k, "k");
  int lda = as_int(g.lda, "lda"), ldb = as_int(g.ldb, "ldb"), ldc = as_int(g.ldc, "ldc");
  if (g.batch == 1) {
    TESSEL_CUBLAS_CHECK(cublas().gemm_ex(handle, op_b, op_a, n, m, k, alpha, b, dt, ldb, a, dt, lda,
                                         beta, c, dt, ldc, compute, CUBLAS_GEMM_DEFAULT));
    return;
  }
  TESSEL_CUBLAS_CHECK(cublas().gemm_strided_batched_ex(
      handle, op_b, op_a, n, m, k, alpha, b, dt, ldb, g.stride_b, a, dt, lda, g.stride_a, beta, c,
      dt, ldc, g.stride_c, as_int(g.batch, "batch"), compute, CUBLAS_GEMM_DEFAULT));
}

}  // namespace tessel::kernels
