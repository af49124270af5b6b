#include "kernels/dice_ce_edge.h"

#include <vector>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

// Double compute: the CPU is the reference the other backends are checked against.
void seg_pass(const CpuContext&, const SegPass& a, const void* logits, const void* labels,
              void* partials) {
  dispatch_float(a.type, "dice_ce_edge", [&](auto tag) {
    using T = typename decltype(tag)::type;
    dispatch_labels(a.labels_type, "dice_ce_edge labels", [&](auto ltag) {
      using L = typename decltype(ltag)::type;
      const T* x = static_cast<const T*>(logits);
      const L* y = static_cast<const L*>(labels);
      int64_t c_n = a.classes, width = a.width_of_stats(), rows = stat_rows(a.pixels());
      parallel_for(rows, 1, [&](int64_t b, int64_t e) {
        std::vector<double> v(static_cast<size_t>(width));
        for (int64_t r = b; r < e; ++r) {
          std::fill(v.begin(), v.end(), 0.0);
          RowRange range = row_range(a.pixels(), rows, r);
          for (int64_t q = range.begin; q < range.end; ++q) {
            SegPixel<double, T, L> px(a, x, y, q);
            for (int64_t c = 0; c < c_n; ++c) {
              double p = px.prob(a, c);
              bool hit = px.is(a, c);
              v[size_t(c)] += hit ? p : 0.0;
              v[size_t(c_n + c)] += p;
              v[size_t(2 * c_n + c)] += hit ? 1.0 : 0.0;
            }
            v[size_t(3 * c_n)] += px.ce, v[size_t(3 * c_n + 1)] += px.counts;
            if (px.edge) v[size_t(3 * c_n + 2)] += px.ce, v[size_t(3 * c_n + 3)] += px.counts;
          }
          for (int64_t j = 0; j < width; ++j) static_cast<T*>(partials)[r * width + j] = T(v[j]);
        }
      });
    });
  });
}

void seg_pass_backward(const CpuContext&, const SegPass& a, const void* logits, const void* labels,
                       const void* grad_stats, void* dx) {
  dispatch_float(a.type, "dice_ce_edge backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    dispatch_labels(a.labels_type, "dice_ce_edge labels", [&](auto ltag) {
      using L = typename decltype(ltag)::type;
      const T* g = static_cast<const T*>(grad_stats);
      std::vector<double> d(g, g + 2 * a.classes);
      double g_ce = g[3 * a.classes], g_edge = g[3 * a.classes + 2];
      parallel_for(a.pixels(), kGrain / a.classes + 1, [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q)
          seg_backward_pixel<double>(a, static_cast<const T*>(logits),
                                     static_cast<const L*>(labels), static_cast<T*>(dx), q,
                                     d.data(), d.data() + a.classes, g_ce, g_edge);
      });
    });
  });
}

}  // namespace tessel::kernels
