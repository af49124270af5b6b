#include "kernels/confusion.h"

#include "kernels/cpu/histogram.h"

namespace tessel::kernels {

void confusion_matrix(const CpuContext&, int64_t* counts, const void* pred, DType pred_type,
                      const void* target, DType target_type, int64_t n, int64_t hw, int64_t c,
                      int64_t ignore_index, int64_t* /*invalid: the CPU throws instead*/) {
  dispatch_pred_target<float, double, Half, BFloat16, uint8_t, int32_t, int64_t>(
      pred_type, target_type, "confusion_matrix", [&](auto ptag, auto ttag) {
        using P = typename decltype(ptag)::type;
        using T = typename decltype(ttag)::type;
        const P* p = static_cast<const P*>(pred);
        const T* t = static_cast<const T*>(target);
        int64_t bad = count_bins(counts, c * c, n * hw, [&](int64_t i, int64_t* hist) {
          int64_t bin = confusion_bin(p, t, c, hw, ignore_index, i);
          if (bin >= 0) ++hist[bin];
          return bin != kOutOfRange;
        });
        if (bad < n * hw) fail_label("confusion_matrix", p, t, bad, c, ignore_index);
      });
}

}  // namespace tessel::kernels
