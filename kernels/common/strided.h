// The layout description elementwise kernels take instead of Tensors: a shared iteration shape
// and, for each operand, its element strides (0 along broadcast dimensions). Dimensions are
// coalesced where all operands allow it, so a contiguous case becomes one flat dimension.
#pragma once

#include <climits>
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
  // Element offsets of every operand at linear iteration index i (last dimension fastest): one
  // division per dimension, shared by the operands, in the index type I. CUDA launches take
  // uint32_t when the plan has under 2^31 elements: 64-bit division is a long instruction
  // sequence on the GPU, 32-bit a short one. Offsets are 64-bit either way (strides can be
  // large however few elements are walked).
  template <typename I = int64_t>
  TESSEL_HD void offsets(int64_t i, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (ndim == 1) {  // one division-free dimension: broadcast scalars and flat views
      for (int k = 0; k < N; ++k) off[k] = i * strides[k][0];
      return;
    }
    I rest = I(i);
    for (int d = ndim - 1; d >= 0; --d) {
      I size = I(sizes[d]);
      I q = rest / size;
      int64_t coord = int64_t(rest - q * size);
      for (int k = 0; k < N; ++k) off[k] += coord * strides[k][d];
      rest = q;
    }
  }
  // Whether offsets<uint32_t> may be used: every iteration index fits.
  TESSEL_HD bool fits_32bit() const { return numel <= int64_t(INT32_MAX); }
};

}  // namespace tessel::kernels
