// Indexing along a dim: index_select and gather (kernels/index.h).
#pragma once

#include "engine/tensor.h"

namespace tessel {

// PyTorch semantics, with i64 or i32 indices. index_select takes a 1-D index; gather an index of
// x's rank whose sizes do not exceed x's outside `dim`. Out-of-range indices throw on the CPU;
// on CUDA they are not checked (undefined behaviour). Backward is deterministic on both.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// gather for an index of x's shape that holds a permutation of 0 .. size(dim) - 1 along `dim`
// (sort's indices): the same values, and a backward that writes each gradient element to its
// own source element in parallel instead of walking each column in order. The caller vouches
// for the permutation: it is not checked, and a repeated entry leaves an element's gradient
// unwritten.
Tensor gather_permutation(const Tensor& x, int64_t dim, const Tensor& index);

}  // namespace tessel
