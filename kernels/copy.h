// Strided copy with dtype conversion (the engine's contiguous(), to(dtype), copy_, expand
// materialisation), fill, and the counter-based random fills.
#pragma once

#include <cstdint>

#include "engine/dtype.h"
#include "kernels/stream.h"
#include "kernels/common/strided.h"

namespace tessel::kernels {

// Operand 0 is the destination, 1 the source.
namespace cpu {
void copy(const StridedPlan<2>& p, DType dst_type, void* dst, DType src_type, const void* src);
void fill(const StridedPlan<1>& p, DType type, void* dst, double value);
// out[i] = start + i * step, contiguous.
void arange(DType type, void* out, int64_t n, double start, double step);
}  // namespace cpu

namespace cuda {
void copy(const StridedPlan<2>& p, DType dst_type, void* dst, DType src_type, const void* src,
          Stream stream);
void fill(const StridedPlan<1>& p, DType type, void* dst, double value, Stream stream);
void arange(DType type, void* out, int64_t n, double start, double step, Stream stream);
}  // namespace cuda

}  // namespace tessel::kernels
