#include "kernels/boundary.h"
#include "kernels/cuda/histogram.cuh"

namespace tessel::kernels {
namespace {

// Pass 1 over one map.
template <typename L>
struct RowCodeFn {
  const L* map;
  int32_t* out;
  int64_t w, d, c, ignore_index;
  bool is_target;
  __device__ void operator()(int64_t i) const {
    out[i] = row_code(map + i / w * w, w, i % w, d, c, ignore_index, is_target);
  }
};

template <typename P, typename T>
__global__ void boundary_kernel(Counter* counts, Counter* invalid, const int32_t* scratch,
                                const P* pred, const T* target, int64_t n, int64_t h, int64_t w,
                                int64_t d, int64_t c, int64_t ignore_index, bool shared) {
  Counter* hist = block_counters(counts, 2 * c, shared);
  int64_t pixels = n * h * w;
  for_each_warp_item(pixels, [&](int64_t i) {
    int64_t bins[3] = {-1, -1, -1};
    if (i < pixels && !boundary_bins(scratch, pred, target, n, h, w, d, c, ignore_index, i, bins) &&
        invalid)
      atomicAdd(invalid, Counter(1));
    for (int64_t bin : bins) warp_count(hist, bin);
  });
  flush_counters(hist, counts, 2 * c, shared);
}

}  // namespace

void boundary_iou_counts(const CudaContext& ctx, int64_t* counts, int32_t* scratch,
                         const void* pred, DType pred_type, const void* target, DType target_type,
                         int64_t n, int64_t h, int64_t w, int64_t c, int64_t d,
                         int64_t ignore_index, int64_t* invalid) {
  int64_t pixels = n * h * w;
  if (pixels == 0) return;
  dispatch_pred_target<uint8_t, int32_t, int64_t>(
      pred_type, target_type, "boundary_iou", [&](auto ptag, auto ttag) {
        using P = typename decltype(ptag)::type;
        using T = typename decltype(ttag)::type;
        const P* p = static_cast<const P*>(pred);
        const T* t = static_cast<const T*>(target);
        launch_each(pixels, ctx, RowCodeFn<T>{t, scratch, w, d, c, ignore_index, true});
        launch_each(pixels, ctx, RowCodeFn<P>{p, scratch + pixels, w, d, c, ignore_index, false});
        auto* kernel = boundary_kernel<P, T>;
        CountLaunch l = plan_counts(kernel, 2 * c, pixels);
        kernel<<<l.blocks, kThreads, l.smem, ctx.stream>>>(
            reinterpret_cast<Counter*>(counts), reinterpret_cast<Counter*>(invalid), scratch, p, t,
            n, h, w, d, c, ignore_index, l.shared);
        TESSEL_CUDA_LAUNCH_CHECK();
      });
}

}  // namespace tessel::kernels
