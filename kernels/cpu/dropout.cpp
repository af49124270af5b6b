#include "kernels/dropout.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

void dropout_mask(const CpuContext&, uint64_t seed, uint64_t offset, double p, int64_t n,
                  bool* mask) {
  parallel_for(n, kGrain / 8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) mask[i] = dropout_keep(seed, offset, p, i);
  });
}

void dropout_apply(const CpuContext&, DType type, int64_t numel, int64_t inner, double scale,
                   const void* in, const bool* mask, void* out) {
  dispatch_float(type, "dropout", [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(numel, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        static_cast<T*>(out)[i] =
            dropout_apply_at(static_cast<const T*>(in), mask, inner, scale, i);
    });
  });
}

}  // namespace tessel::kernels
