#include "kernels/upsample.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// Outputs of one axis that read an input pixel, rounded up: the work of a gradient gather.
int64_t readers_per_input(const Axis& a) {
  return (a.out + a.in - 1) / a.in + 2;
}

// The math runs in double for every dtype so that the CPU stays the reference.
template <Pass P, typename... Ts>
void run(const Resample& r, DType type, void* dst, const void* src) {
  bool grad = P == Pass::BilinearGrad || P == Pass::NearestGrad;
  int64_t reads = grad ? readers_per_input(r.h) * readers_per_input(r.w) : 4;
  dispatch_types<Ts...>(type, pass_name(P), [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(pass_numel(P, r), std::max<int64_t>(1, kGrain / reads), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        resample_at<P, T, double>(r, static_cast<T*>(dst), static_cast<const T*>(src), i);
    });
  });
}

}  // namespace

void upsample(const CpuContext&, Pass pass, const Resample& r, DType type, void* dst,
              const void* src) {
  switch (pass) {
    case Pass::Bilinear:
      return run<Pass::Bilinear, float, double>(r, type, dst, src);
    case Pass::BilinearGrad:
      return run<Pass::BilinearGrad, float, double>(r, type, dst, src);
    case Pass::Nearest:
      return run<Pass::Nearest, float, double, uint8_t, int32_t, int64_t>(r, type, dst, src);
    case Pass::NearestGrad:
      return run<Pass::NearestGrad, float, double>(r, type, dst, src);
  }
}

}  // namespace tessel::kernels
