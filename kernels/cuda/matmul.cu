#include "kernels/common/cublas_args.h"
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
  // cuBLAS is column-major: kernels/common/cublas_args.h maps the row-major product onto it,
  // with B as cuBLAS's first operand and A as its second.
  const CublasArgs c_args = cublas_args(g);
  cublasOperation_t op_first = c_args.trans_first ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t op_second = c_args.trans_second ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (c_args.batch == 1) {
    TESSEL_CUBLAS_CHECK(cublas().gemm_ex(handle, op_first, op_second, c_args.m, c_args.n, c_args.k,
                                         alpha, b, dt, c_args.ld_first, a, dt, c_args.ld_second,
                                         beta, c, dt, c_args.ld_c, compute, CUBLAS_GEMM_DEFAULT));
    return;
  }
  TESSEL_CUBLAS_CHECK(cublas().gemm_strided_batched_ex(
      handle, op_first, op_second, c_args.m, c_args.n, c_args.k, alpha, b, dt, c_args.ld_first,
      c_args.stride_first, a, dt, c_args.ld_second, c_args.stride_second, beta, c, dt, c_args.ld_c,
      c_args.stride_c, c_args.batch, compute, CUBLAS_GEMM_DEFAULT));
}

}  // namespace tessel::kernels
