#include "kernels/reduce.h"

#include <algorithm>
#include <vector>

#include "kernels/common/split.h"
#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

int64_t row_grain(int64_t inner) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1));
}

}  // namespace

void reduce_rows(const CpuContext&, ReduceOp op, DType type, void* out, const void* in,
                 const RowLayout& l, double correction) {
  dispatch_types<float, double, Half, BFloat16, int32_t, int64_t>(type, "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Double accumulation on the CPU: exact enough that the CPU stays the reference.
    using A = std::conditional_t<std::is_integral_v<T>, int64_t, double>;
    const T* x = static_cast<const T*>(in);
    T* o = static_cast<T*>(out);
    // The sum of elements [b, e) of row r, or with `mean` of their squared deviations from it,
    // walked as contiguous runs: the row itself, or its `trail` elements after each lead index.
    auto piece_sum = [&](int64_t r, int64_t b, int64_t e, const A* mean) {
      A acc = 0;
      auto add = [&](const T* run, int64_t n) {
        if constexpr (std::is_floating_point_v<A>) {
          if (mean) {
            for (int64_t i = 0; i < n; ++i) {
              A d = A(acc_t<T>(run[i])) - *mean;
              acc += d * d;
            }
            return;
          }
        }
        for (int64_t i = 0; i < n; ++i) acc += A(acc_t<T>(run[i]));
      };
      if (l.trail == l.inner) {
        add(x + r * l.inner + b, e - b);
        return acc;
      }
      for (int64_t a = b / l.trail; a * l.trail < e; ++a) {
        int64_t lo = std::max(b, a * l.trail), hi = std::min(e, (a + 1) * l.trail);
        add(x + (a * l.outer + r) * l.trail + (lo - a * l.trail), hi - lo);
      }
      return acc;
    };
    // A row's result from its total, and for Var and Std from its squared deviations, which
    // `squares(mean)` sums.
    auto finish = [&](int64_t r, A total, const auto& squares) {
      if (!is_spread(op)) return void(o[r] = T(acc_t<T>(finish_reduce(op, total, l.inner, 0))));
      A mean = A(total / A(l.inner));
      o[r] = T(acc_t<T>(finish_spread(op, double(squares(mean)), l.inner, correction)));
    };
    // Fewer rows than threads x a few (a loss mean, per-class sums) are cut into pieces of at
    // least kGrain elements (kernels/common/split.h) so every thread has work. Each piece's sum
    // has its own slot and a row adds its slots in order: the result does not depend on the
    // thread count.
    const RowSplit split = split_rows(l.outer, l.inner, 256, kGrain, 1);
    if (split.parts == 1) {
      parallel_for(l.outer, row_grain(l.inner), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r)
          finish(r, piece_sum(r, 0, l.inner, nullptr),
                 [&](A mean) { return piece_sum(r, 0, l.inner, &mean); });
      });
      return;
    }
    std::vector<A> partials(size_t(l.outer * split.parts)), totals(size_t(l.outer));
    auto row_totals = [&](const A* means) {
      parallel_for(l.outer * split.parts, 1, [&](int64_t b, int64_t e) {
        for (int64_t w = b; w < e; ++w) {
          int64_t r = w / split.parts, p = w % split.parts;
          partials[size_t(w)] =
              piece_sum(r, split.begin(p), split.end(p, l.inner), means ? means + r : nullptr);
        }
      });
      for (int64_t r = 0; r < l.outer; ++r) {
        totals[size_t(r)] = 0;
        for (int64_t p = 0; p < split.parts; ++p)
          totals[size_t(r)] += partials[size_t(r * split.parts + p)];
      }
    };
    row_totals(nullptr);
    const std::vector<A> sums = totals;
    if (is_spread(op)) {  // the second round over the pieces, around each row's mean
      std::vector<A> means(sums.size());
      for (size_t r = 0; r < sums.size(); ++r) means[r] = A(sums[r] / A(l.inner));
      row_totals(means.data());
    }
    for (int64_t r = 0; r < l.outer; ++r)
      finish(r, sums[size_t(r)], [&](A) { return totals[size_t(r)]; });
  });
}

void arg_reduce_rows(const CpuContext&, ArgReduceOp op, DType type, void* values, int64_t* indices,
                     const void* in, int64_t outer, int64_t inner) {
  dispatch_all(type, "arg_reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compare_t<T>;
    const T* x = static_cast<const T*>(in);
    parallel_for(outer, row_grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const T* row = x + r * inner;
        C best = C(row[0]);
        int64_t at = 0;
        for (int64_t i = 1; i < inner; ++i)
          if (arg_better(op, C(row[i]), i, best, at)) best = C(row[i]), at = i;
        indices[r] = at;
        if (values) static_cast<T*>(values)[r] = row[at];
      }
    });
  });
}

}  // namespace tessel::kernels
