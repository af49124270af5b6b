// cuBLAS, loaded at its first use with dlopen rather than linked. Linking libcublas.so makes every
// process that contains Tessel run cuBLASLt's static initialisers at start-up (measured: 0.08 s
// and 210 MB of resident memory for a program that does nothing), which each test process, each
// tool's --help and every CPU-only run would pay for a library they never call.
#pragma once

#include <cublas_v2.h>

#include "core/error.h"

namespace tessel::kernels {

// The entry points Tessel calls, with cuBLAS's own signatures.
struct Cublas {
  cublasStatus_t (*create)(cublasHandle_t*);
  cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
  const char* (*status_string)(cublasStatus_t);
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const void*, const void*, cudaDataType, int, const void*, cudaDataType,
                            int, const void*, void*, cudaDataType, int, cublasComputeType_t,
                            cublasGemmAlgo_t);
  cublasStatus_t (*gemm_strided_batched_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t,
                                            int, int, int, const void*, const void*, cudaDataType,
                                            int, long long, const void*, cudaDataType, int,
                                            long long, const void*, void*, cudaDataType, int,
                                            long long, int, cublasComputeType_t, cublasGemmAlgo_t);
};

// Loads the library on the first call (thread-safe); throws tessel::Error naming the file and
// the loader's message when it or one of its symbols is missing.
const Cublas& cublas();

}  // namespace tessel::kernels

#define TESSEL_CUBLAS_CHECK(expr)                                                             \
  do {                                                                                        \
    cublasStatus_t tessel_st_ = (expr);                                                       \
    if (tessel_st_ != CUBLAS_STATUS_SUCCESS)                                                  \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "cuBLAS error: ", #expr, " failed: ", \
                                    ::tessel::kernels::cublas().status_string(tessel_st_));   \
  } while (0)
