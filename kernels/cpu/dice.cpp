#include "kernels/dice.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

void binary_dice_stats(const CpuContext&, DType type, const void* x, const void* target,
                       double ignore_value, int64_t numel, void* partials) {
  dispatch_float(type, "binary_dice", [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto* out = static_cast<T*>(partials);  // param_t<T> is T for f32 and f64
    int64_t rows = stat_rows(numel);
    parallel_for(rows, 1, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        double v[3] = {0, 0, 0};
        RowRange range = row_range(numel, rows, r);
        for (int64_t i = range.begin; i < range.end; ++i) {
          BinaryPixel<double, T> p(static_cast<const T*>(x), static_cast<const T*>(target),
                                   ignore_value, i);
          if (!p.counts) continue;
          v[0] += p.s * p.t, v[1] += p.s, v[2] += p.t;
        }
        for (int j = 0; j < 3; ++j) out[r * 3 + j] = T(v[j]);
      }
    });
  });
}

void binary_dice_backward(const CpuContext&, DType type, const void* x, const void* target,
                          double ignore_value, int64_t numel, const void* grad_stats, void* dx) {
  dispatch_float(type, "binary_dice backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = static_cast<const T*>(grad_stats);
    parallel_for(numel, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        BinaryPixel<double, T> p(static_cast<const T*>(x), static_cast<const T*>(target),
                                 ignore_value, i);
        static_cast<T*>(dx)[i] = T(p.grad(double(g[0]), double(g[1])));
      }
    });
  });
}

}  // namespace tessel::kernels
