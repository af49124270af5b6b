// Stable sort and prefix sum along the last dim (kernels/sort.h), the building blocks of the
// rank-based losses.
#pragma once

#include "engine/tensor.h"

namespace tessel {

// Stable sort along the last dim (f32 or f64): values (differentiable, through gather) and the
// i64 indices they came from. Equal values keep their order on both backends.
struct SortResult {
  Tensor values, indices;
};
SortResult sort(const Tensor& x, bool descending = false);

// Inclusive prefix sum along the last dim (f32 or f64), differentiable.
Tensor cumsum(const Tensor& x);

}  // namespace tessel
