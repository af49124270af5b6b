// Check macros for CUDA runtime calls: they throw tessel::Error with the expression, file, line
// and the runtime's own message. TESSEL_CUDA_WARN prints instead of throwing, for destructors.
// cuBLAS and cuDNN have their own checks where those libraries are used
// (kernels/cuda/cublas.h, kernels/cuda/cudnn_check.h), so this header pulls in only the
// runtime.
#pragma once

#include <cuda_runtime.h>

#include <cstdio>

#include "core/error.h"

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
