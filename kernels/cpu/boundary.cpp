#include "kernels/boundary.h"

#include "kernels/cpu/histogram.h"

namespace tessel::kernels {

void boundary_iou_counts(const CpuContext&, int64_t* counts, int32_t* scratch, const void* pred,
                         DType pred_type, const void* target, DType target_type, int64_t n,
                         int64_t h, int64_t w, int64_t c, int64_t d, int64_t ignore_index,
                         int64_t* /*invalid: the CPU throws instead*/) {
  dispatch_pred_target<uint8_t, int32_t, int64_t>(
      pred_type, target_type, "boundary_iou", [&](auto ptag, auto ttag) {
        using P = typename decltype(ptag)::type;
        using T = typename decltype(ttag)::type;
        const P* p = static_cast<const P*>(pred);
        const T* t = static_cast<const T*>(target);
        int64_t rows = n * h, pixels = rows * w;
        parallel_for(rows, std::max<int64_t>(1, kGrain / (w * (2 * d + 1))),
                     [&](int64_t b, int64_t e) {
                       for (int64_t r = b; r < e; ++r)
                         for (int64_t x = 0; x < w; ++x) {
                           scratch[r * w + x] = row_code(t + r * w, w, x, d, c, ignore_index, true);
                           scratch[pixels + r * w + x] =
                               row_code(p + r * w, w, x, d, c, ignore_index, false);
                         }
                     });
        int64_t bad = count_bins(counts, 2 * c, pixels, [&](int64_t i, int64_t* hist) {
          int64_t bins[3];
          bool ok = boundary_bins(scratch, p, t, n, h, w, d, c, ignore_index, i, bins);
          for (int64_t bin : bins)
            if (bin >= 0) ++hist[bin];
          return ok;
        });
        if (bad < pixels) fail_label("boundary_iou", p, t, bad, c, ignore_index);
      });
}

}  // namespace tessel::kernels
