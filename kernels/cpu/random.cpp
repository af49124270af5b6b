#include "kernels/random.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels::cpu {

void random_fill(const RandomSpec& s, DType type, void* out, int64_t n) {
  dispatch_all(type, "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = static_cast<T*>(out);
    parallel_for(n, kGrain / 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        o[i] = T(acc_t<T>(
            random_value(s.kind, std::is_same_v<T, double>, s.seed, s.offset, i, s.low, s.range)));
    });
  });
}

}  // namespace tessel::kernels::cpu
