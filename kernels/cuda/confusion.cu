#include "kernels/confusion.h"
#include "kernels/cuda/histogram.cuh"

namespace tessel::kernels {
namespace {

template <typename P, typename T>
__global__ void confusion_kernel(Counter* counts, Counter* invalid, const P* pred, const T* target,
                                 int64_t pixels, int64_t hw, int64_t c, int64_t ignore_index,
                                 bool shared) {
  Counter* hist = block_counters(counts, c * c, shared);
  for_each_warp_item(pixels, [&](int64_t i) {
    int64_t bin = i < pixels ? confusion_bin(pred, target, c, hw, ignore_index, i) : kIgnored;
    if (bin == kOutOfRange && invalid) atomicAdd(invalid, Counter(1));
    warp_count(hist, bin);
  });
  flush_counters(hist, counts, c * c, shared);
}

}  // namespace

void confusion_matrix(const CudaContext& ctx, int64_t* counts, const void* pred, DType pred_type,
                      const void* target, DType target_type, int64_t n, int64_t hw, int64_t c,
                      int64_t ignore_index, int64_t* invalid) {
  int64_t pixels = n * hw;
  if (pixels == 0) return;
  dispatch_pred_target<float, Half, BFloat16, double, uint8_t, int32_t, int64_t>(
      pred_type, target_type, "confusion_matrix", [&](auto ptag, auto ttag) {
        using P = typename decltype(ptag)::type;
        using T = typename decltype(ttag)::type;
        auto* kernel = confusion_kernel<P, T>;
        CountLaunch l = plan_counts(kernel, c * c, pixels);
        kernel<<<l.blocks, kThreads, l.smem, ctx.stream>>>(
            reinterpret_cast<Counter*>(counts), reinterpret_cast<Counter*>(invalid),
            static_cast<const P*>(pred), static_cast<const T*>(target), pixels, hw, c, ignore_index,
            l.shared);
        TESSEL_CUDA_LAUNCH_CHECK();
      });
}

}  // namespace tessel::kernels
