// Random fills of a contiguous tensor from Philox (see philox.h for the element mapping).
#pragma once

#include <cstdint>

#include "engine/dtype.h"
#include "kernels/common/philox.h"
#include "kernels/stream.h"

namespace tessel::kernels {

// out[i] = element i of the draw (see random_group) converted to the dtype.
struct RandomSpec {
  RandomKind kind;
  uint64_t seed, offset;
  int64_t low = 0;
  uint64_t range = 1;
};

namespace cpu {
void random_fill(const RandomSpec& spec, DType type, void* out, int64_t n);
}
namespace cuda {
void random_fill(const RandomSpec& spec, DType type, void* out, int64_t n, Stream stream);
}

}  // namespace tessel::kernels
