#include <algorithm>
#include <numeric>

#include "kernels/cpu/parallel.h"
#include "kernels/sort.h"

namespace tessel::kernels {

void sort_rows(const CpuContext&, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index) {
  dispatch_float(type, "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* k = static_cast<const T*>(keys);
    T* out = static_cast<T*>(sorted);
    parallel_for(rows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* row = k + r * len;
        int64_t* idx = index + r * len;
        std::iota(idx, idx + len, int64_t(0));
        auto before = [&](int64_t a, int64_t b) {
          return descending ? row[a] > row[b] : row[a] < row[b];
        };
        std::stable_sort(idx, idx + len, before);
        for (int64_t i = 0; i < len; ++i) out[r * len + i] = row[idx[i]];
      }
    });
  });
}

void cumsum_rows(const CpuContext&, DType type, const void* x, int64_t rows, int64_t len,
                 void* out) {
  dispatch_float(type, "cumsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = static_cast<const T*>(x);
    T* o = static_cast<T*>(out);
    parallel_for(rows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        std::partial_sum(in + r * len, in + (r + 1) * len, o + r * len);
    });
  });
}

}  // namespace tessel::kernels
