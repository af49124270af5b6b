// Check macros for CUDA runtime, cuBLAS and cuDNN calls. They throw tessel::Error with the
// expression, file, line and the library's own message. The *_WARN forms print instead of
// throwing, for destructors.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstdio>

#include "engine/error.h"

namespace tessel::cuda {
const char* cublas_status_name(cublasStatus_t s);
}

#define TESSEL_CUDA_CHECK(expr)                                                       \
  do {                                                                                \
    cudaError_t tessel_err_ = (expr);                                                 \
    if (tessel_err_ != cudaSuccess)                                                   \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "CUDA error: ", #expr,        \
                                    " failed: ", cudaGetErrorName(tessel_err_), ": ", \
                                    cudaGetErrorString(tessel_err_));                 \
  } while (0)

#define TESSEL_CUDA_WARN(expr)                                               \
  do {                                                                       \
    cudaError_t tessel_err_ = (expr);                                        \
    if (tessel_err_ != cudaSuccess)                                          \
      std::fprintf(stderr, "tessel warning: %s failed: %s (%s:%d)\n", #expr, \
                   cudaGetErrorString(tessel_err_), __FILE__, __LINE__);     \
  } while (0)

// After every kernel launch: catches bad launch configurations at the launch site.
#define TESSEL_CUDA_LAUNCH_CHECK() TESSEL_CUDA_CHECK(cudaGetLastError())

#define TESSEL_CUBLAS_CHECK(expr)                                                                 \
  do {                                                                                            \
    cublasStatus_t tessel_st_ = (expr);                                                           \
    if (tessel_st_ != CUBLAS_STATUS_SUCCESS)                                                      \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "cuBLAS error: ", #expr,                  \
                                    " failed: ", ::tessel::cuda::cublas_status_name(tessel_st_)); \
  } while (0)

#define TESSEL_CUDNN_CHECK(expr)                                                   \
  do {                                                                             \
    cudnnStatus_t tessel_st_ = (expr);                                             \
    if (tessel_st_ != CUDNN_STATUS_SUCCESS)                                        \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "cuDNN error: ", #expr,    \
                                    " failed: ", cudnnGetErrorString(tessel_st_)); \
  } while (0)
