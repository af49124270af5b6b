// Random fills of a contiguous tensor from Philox (see philox.h for the element mapping).
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "core/philox.h"

namespace tessel::kernels {

// out[i] = element i of the draw (see random_group) converted to the dtype.
struct RandomSpec {
  RandomKind kind;
  uint64_t seed, offset;
  int64_t low = 0;
  uint64_t range = 1;
};

void random_fill(const CpuContext&, const RandomSpec& spec, DType type, void* out, int64_t n);
void random_fill(const CudaContext&, const RandomSpec& spec, DType type, void* out, int64_t n);

}  // namespace tessel::kernels
