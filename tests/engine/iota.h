// Small value tensors shared by the tensor, view and copy tests.
#pragma once

#include <vector>

#include "engine/ops.h"

namespace tessel::testing {

// 0, 1, 2, ... in f64, of `shape`.
inline Tensor iota(const Shape& shape) {
  return arange(0, double(shape_numel(shape)), 1, DType::F64).reshape(shape);
}
using V = std::vector<double>;

}  // namespace tessel::testing
