#include "kernels/random.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

void random_fill(const CpuContext&, const RandomSpec& s, DType type, void* out, int64_t n) {
  dispatch_all(type, "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = static_cast<T*>(out);
    parallel_for((n + 3) / 4, kGrain / 32, [&](int64_t b, int64_t e) {
      for (int64_t g = b; g < e; ++g) {
        double v[4] = {};
        random_group(s.kind, std::is_same_v<T, double>, s.seed, s.offset, g, s.low, s.range, v);
        for (int64_t k = 0; k < 4 && 4 * g + k < n; ++k) o[4 * g + k] = T(acc_t<T>(v[k]));
      }
    });
  });
}

}  // namespace tessel::kernels
