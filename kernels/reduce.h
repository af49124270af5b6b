// Reductions over the last axis of a contiguous [outer, inner] layout: the op permutes the
// reduced dims last and makes the input contiguous first, so one kernel shape serves every
// choice of dims.
#pragma once

#include <cstdint>

#include "engine/dtype.h"
#include "kernels/stream.h"

namespace tessel::kernels {

enum class ReduceOp : int { Sum, Mean };

namespace cpu {
void reduce_rows(ReduceOp op, DType type, void* out, const void* in, int64_t outer, int64_t inner);
}
namespace cuda {
void reduce_rows(ReduceOp op, DType type, void* out, const void* in, int64_t outer, int64_t inner,
                 Stream stream);
}

}  // namespace tessel::kernels
