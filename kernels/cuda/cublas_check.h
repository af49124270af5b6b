// Check macro for cuBLAS calls: throws tessel::Error with the expression, file, line and
// cuBLAS's name for the status.
#pragma once

#include <cublas_v2.h>

#include "core/error.h"

#define TESSEL_CUBLAS_CHECK(expr)                                                    \
  do {                                                                               \
    cublasStatus_t tessel_st_ = (expr);                                              \
    if (tessel_st_ != CUBLAS_STATUS_SUCCESS)                                         \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "cuBLAS error: ", #expr,     \
                                    " failed: ", cublasGetStatusString(tessel_st_)); \
  } while (0)
