// Check macro for cuDNN calls: throws tessel::Error with the expression, file, line and
// cuDNN's message for the status.
#pragma once

#include <cudnn.h>

#include "core/error.h"

#define TESSEL_CUDNN_CHECK(expr)                                                   \
  do {                                                                             \
    cudnnStatus_t tessel_st_ = (expr);                                             \
    if (tessel_st_ != CUDNN_STATUS_SUCCESS)                                        \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "cuDNN error: ", #expr,    \
                                    " failed: ", cudnnGetErrorString(tessel_st_)); \
  } while (0)
