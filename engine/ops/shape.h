// Joining, splitting, padding and indexing. Results of cat/stack/pad/index ops are new tensors;
// split and chunk return views that share the input's storage.
#pragma once

#include <vector>

#include "engine/tensor.h"
#include "kernels/pad.h"

namespace tessel {

using kernels::PadMode;

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

// torch.nn.functional.pad: `pads` = (last-dim left, last-dim right, 2nd-last left, ...) for the
// last 1-3 dims. Constant pads may be negative (they crop); reflect needs each pad < its dim.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::Constant,
           double value = 0.0);

// PyTorch semantics, with i64 or i32 indices. index_select takes a 1-D index; gather an index of
// x's rank whose sizes do not exceed x's outside `dim`. Out-of-range indices throw on the CPU;
// on CUDA they are not checked (undefined behaviour). Backward is deterministic on both.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);

}  // namespace tessel
