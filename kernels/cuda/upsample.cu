#include "kernels/cuda/launch.cuh"
#include "kernels/upsample.h"

namespace tessel::kernels {
namespace {

// One thread per destination element, consecutive threads on consecutive x, so the writes and
// (forward) the reads of each input row coalesce; 16-bit types compute in f32.
template <Pass P, typename T>
struct ResampleFn {
  Resample r;
  T* dst;
  const T* src;
  __device__ void operator()(int64_t e) const { resample_at<P, T, acc_t<T>>(r, dst, src, e); }
};

template <Pass P, typename... Ts>
void run(const Resample& r, DType type, void* dst, const void* src, const CudaContext& ctx) {
  dispatch_types<Ts...>(type, pass_name(P), [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(pass_numel(P, r), ctx,
                ResampleFn<P, T>{r, static_cast<T*>(dst), static_cast<const T*>(src)});
  });
}

}  // namespace

void upsample(const CudaContext& ctx, Pass pass, const Resample& r, DType type, void* dst,
              const void* src) {
  switch (pass) {
    case Pass::Bilinear:
      return run<Pass::Bilinear, float, Half, BFloat16, double>(r, type, dst, src, ctx);
    case Pass::BilinearGrad:
      return run<Pass::BilinearGrad, float, Half, BFloat16, double>(r, type, dst, src, ctx);
    case Pass::Nearest:
      return run<Pass::Nearest, float, Half, BFloat16, double, uint8_t, int32_t, int64_t>(
          r, type, dst, src, ctx);
    case Pass::NearestGrad:
      return run<Pass::NearestGrad, float, Half, BFloat16, double>(r, type, dst, src, ctx);
  }
}

}  // namespace tessel::kernels
