// Reductions over any set of dims (empty = all), with keepdim; softmax over one dim.
#pragma once

#include <vector>

#include "engine/tensor.h"

namespace tessel {

using Dims = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Sums a broadcast gradient back to `shape` (the backward of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace tessel
