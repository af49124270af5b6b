// Strided copy with dtype conversion (the engine's contiguous(), to(dtype), copy_, expand
// materialisation), fill, and the counter-based random fills.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/common/strided.h"

namespace tessel::kernels {

// Operand 0 is the destination, 1 the source.
void copy(const CpuContext&, const StridedPlan<2>& p, DType dst_type, void* dst, DType src_type,
          const void* src);
void fill(const CpuContext&, const StridedPlan<1>& p, DType type, void* dst, double value);
// out[i] = start + i * step, contiguous.
void arange(const CpuContext&, DType type, void* out, int64_t n, double start, double step);

void copy(const CudaContext&, const StridedPlan<2>& p, DType dst_type, void* dst, DType src_type,
          const void* src);
void fill(const CudaContext&, const StridedPlan<1>& p, DType type, void* dst, double value);
void arange(const CudaContext&, DType type, void* out, int64_t n, double start, double step);

}  // namespace tessel::kernels
