#include "kernels/cuda/launch.cuh"
#include "kernels/random.h"

namespace tessel::kernels::cuda {
namespace {
template <typename T>
struct RandomFn {
  RandomSpec s;
  T* o;
  __device__ void operator()(int64_t i) const {
    o[i] = T(acc_t<T>(
        random_value(s.kind, std::is_same_v<T, double>, s.seed, s.offset, i, s.low, s.range)));
  }
};
}  // namespace

void random_fill(const RandomSpec& s, DType type, void* out, int64_t n, Stream stream) {
  dispatch_all(type, "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(n, stream, RandomFn<T>{s, static_cast<T*>(out)});
  });
}

}  // namespace tessel::kernels::cuda
