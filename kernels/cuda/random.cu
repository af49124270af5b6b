#include "kernels/cuda/launch.cuh"
#include "kernels/random.h"

namespace tessel::kernels {
namespace {
template <typename T>
struct RandomFn {
  RandomSpec s;
  T* o;
  int64_t n;
  __device__ void operator()(int64_t g) const {
    double v[4] = {};
    random_group(s.kind, std::is_same_v<T, double>, s.seed, s.offset, g, s.low, s.range, v);
    for (int64_t k = 0; k < 4 && 4 * g + k < n; ++k) o[4 * g + k] = T(acc_t<T>(v[k]));
  }
};
}  // namespace

void random_fill(const CudaContext& ctx, const RandomSpec& s, DType type, void* out, int64_t n) {
  dispatch_all(type, "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each((n + 3) / 4, ctx, RandomFn<T>{s, static_cast<T*>(out), n});
  });
}

}  // namespace tessel::kernels
