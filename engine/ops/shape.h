// Joining and splitting: cat and stack make new tensors, split and chunk return views that share
// the input's storage.
// No kernels: cat and stack copy with the copy kernels, split and chunk are views.
#pragma once

#include <vector>
#include "engine/tensor.h"

namespace tessel {

// Inputs must agree in shape except along `dim` and share a device; dtypes are promoted.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Inputs of one shape, joined along a new dim.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);

// Views of consecutive pieces along `dim`: of `size` each (the last may be smaller), of the given
// sizes (which must add up to the dim), or `chunks` pieces of equal size rounded up.
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<int64_t>& sizes,
                                     int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);

}  // namespace tessel
