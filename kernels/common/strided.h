// The layout description elementwise kernels take instead of Tensors: a shared iteration shape
// and, for each operand, its element strides (0 along broadcast dimensions). Dimensions are
// coalesced where all operands allow it, so a contiguous case becomes one flat dimension.
#pragma once

#include <cstdint>

#include "core/half.h"

namespace tessel::kernels {

inline constexpr int kMaxDims = 10;

template <int N>
struct StridedPlan {
  int ndim = 0;
  int64_t numel = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  // True when every operand walks memory contiguously in iteration order.
  TESSEL_HD bool contiguous() const {
    if (ndim > 1) return false;
    for (int k = 0; k < N; ++k)
      if (ndim == 1 && strides[k][0] != 1) return false;
    return true;
  }
  // Element offset of operand k at linear iteration index i (last dimension fastest).
  TESSEL_HD int64_t offset(int k, int64_t i) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t q = i / sizes[d];
      off += (i - q * sizes[d]) * strides[k][d];
      i = q;
    }
    return off;
  }
};

}  // namespace tessel::kernels
