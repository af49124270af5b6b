#include "kernels/reduce.h"

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
    // fn(run, n) over row r's contiguous runs in element order: the whole row, or its `trail`
    // elements after each of the lead dims.
    auto for_each_run = [&](int64_t r, auto fn) {
      if (l.trail == l.inner) return fn(x + r * l.inner, l.inner);
      for (int64_t a = 0; a < l.inner / l.trail; ++a) fn(x + (a * l.outer + r) * l.trail, l.trail);
    };
    parallel_for(l.outer, row_grain(l.inner), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        A acc = 0;
        for_each_run(r, [&](const T* run, int64_t n) {
          for (int64_t i = 0; i < n; ++i) acc += A(acc_t<T>(run[i]));
        });
        if (op == ReduceOp::Mean) acc = l.inner ? A(acc / A(l.inner)) : A(0);
        if (is_spread(op)) {
          double mean = double(acc) / double(l.inner), squares = 0;
          for_each_run(r, [&](const T* run, int64_t n) {
            for (int64_t i = 0; i < n; ++i) {
              double d = double(acc_t<T>(run[i])) - mean;
              squares += d * d;
            }
          });
          o[r] = T(acc_t<T>(finish_spread(op, squares, l.inner, correction)));
        } else {
          o[r] = T(acc_t<T>(acc));
        }
      }
    });
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
