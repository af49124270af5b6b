// Dropout masks from Philox: entry i is kept when uniform number i of the draw (seed, offset) is
// at least p (see philox.h for the element mapping), so the CPU and CUDA keep the same entries
// for the same generator state. One entry covers `inner` consecutive elements: 1 for dropout,
// a whole H x W plane for dropout2d.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "core/philox.h"

namespace tessel::kernels {

TESSEL_HD bool dropout_keep(uint64_t seed, uint64_t offset, double p, int64_t i) {
  return random_value(RandomKind::Uniform, false, seed, offset, i, 0, 1) >= p;
}

template <typename T>
TESSEL_HD T dropout_apply_at(const T* in, const bool* mask, int64_t inner, double scale,
                             int64_t i) {
  using C = acc_t<T>;
  return mask[i / inner] ? T(C(in[i]) * C(scale)) : T(C(0));
}

void dropout_mask(const CpuContext&, uint64_t seed, uint64_t offset, double p, int64_t n,
                  bool* mask);
// out[i] = in[i] * scale where mask[i / inner], else 0 (also the backward, with in = grad).
void dropout_apply(const CpuContext&, DType type, int64_t numel, int64_t inner, double scale,
                   const void* in, const bool* mask, void* out);
void dropout_mask(const CudaContext&, uint64_t seed, uint64_t offset, double p, int64_t n,
                  bool* mask);
void dropout_apply(const CudaContext&, DType type, int64_t numel, int64_t inner, double scale,
                   const void* in, const bool* mask, void* out);

}  // namespace tessel::kernels
