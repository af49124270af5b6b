#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/shared_memory.cuh"
#include "kernels/cuda/warp.cuh"
#include "kernels/dice_ce_edge.h"

namespace tessel::kernels {
namespace {

// A block per row of partials. Each warp takes 32 neighbouring pixels at a time (coalesced
// reads of every class plane) and sums them per class through shuffles; lane 0 adds the warp's
// sums to its own column of shared memory, acc[j * warps + warp], so no two warps share a slot
// and nothing needs an atomic. At the end the block adds the columns in warp order. T_c is a
// count: a ballot and a popcount. Labels are spatially coherent, so most classes are absent
// from a run of 32 pixels and their intersection sum is skipped (the branch is warp-uniform).
template <typename T, typename L>
__global__ void seg_pass_kernel(SegPass a, const T* logits, const L* labels, param_t<T>* partials) {
  using P = param_t<T>;
  using Cm = acc_t<T>;
  extern __shared__ unsigned char smem[];
  P* acc = reinterpret_cast<P*>(smem);
  int warps = int(blockDim.x / kWarp), warp = int(threadIdx.x / kWarp),
      lane = int(threadIdx.x % kWarp);
  int64_t c_n = a.classes;
  for (int64_t j = threadIdx.x; j < 3 * c_n * warps; j += blockDim.x) acc[j] = P(0);
  __syncthreads();
  RowRange range = row_range(a.pixels(), gridDim.x, blockIdx.x);
  P ce[4] = {0, 0, 0, 0};
  for (int64_t q0 = range.begin + warp * kWarp; q0 < range.end; q0 += int64_t(warps) * kWarp) {
    int64_t q = q0 + lane;
    bool active = q < range.end;
    // An inactive lane reads pixel q0 (always in range) but counts as ignored.
    SegPixel<Cm, T, L> px(a, logits, labels, active ? q : q0);
    if (!active) px.y = a.ignore_index;
    if (active) {
      ce[0] += P(px.ce), ce[1] += P(px.counts);
      if (px.edge) ce[2] += P(px.ce), ce[3] += P(px.counts);
    }
    for (int64_t c = 0; c < c_n; ++c) {
      Cm p = px.prob(a, c);
      bool hit = px.is(a, c);
      unsigned hits = __ballot_sync(0xffffffffu, hit);
      P sum_p = warp_sum(P(p)), sum_i = hits ? warp_sum(P(hit ? p : Cm(0))) : P(0);
      if (lane == 0) {
        acc[c * warps + warp] += sum_i;
        acc[(c_n + c) * warps + warp] += sum_p;
        acc[(2 * c_n + c) * warps + warp] += P(__popc(hits));
      }
    }
  }
  block_sum(ce);  // its __syncthreads also publishes acc
  P* row = partials + blockIdx.x * a.width_of_stats();
  for (int64_t j = threadIdx.x; j < 3 * c_n; j += blockDim.x) {
    P s = 0;
    for (int w = 0; w < warps; ++w) s += acc[j * warps + w];
    row[j] = s;
  }
  if (threadIdx.x < 4) row[3 * c_n + threadIdx.x] = ce[threadIdx.x];
}

// A thread per pixel; dL/dI and dL/dP are staged in shared memory once per block.
template <typename T, typename L>
__global__ void seg_backward_kernel(SegPass a, const T* logits, const L* labels,
                                    const param_t<T>* grad_stats, T* dx) {
  using Cm = acc_t<T>;
  extern __shared__ unsigned char smem[];
  Cm* d = reinterpret_cast<Cm*>(smem);
  for (int64_t j = threadIdx.x; j < 2 * a.classes; j += blockDim.x) d[j] = Cm(grad_stats[j]);
  __syncthreads();
  Cm g_ce = Cm(grad_stats[3 * a.classes]), g_edge = Cm(grad_stats[3 * a.classes + 2]);
  TESSEL_GRID_STRIDE(q, a.pixels())
  seg_backward_pixel<Cm>(a, logits, labels, dx, q, d, d + a.classes, g_ce, g_edge);
}

template <typename Fn>
void dispatch_pass(const SegPass& a, const char* what, Fn&& fn) {
  dispatch_cuda_float(a.type, what, [&](auto tag) {
    dispatch_labels(a.labels_type, what, [&](auto ltag) { fn(tag, ltag); });
  });
}

}  // namespace

void seg_pass(const CudaContext& ctx, const SegPass& a, const void* logits, const void* labels,
              void* partials) {
  dispatch_pass(a, "dice_ce_edge", [&](auto tag, auto ltag) {
    using T = typename decltype(tag)::type;
    using L = typename decltype(ltag)::type;
    auto* kernel = seg_pass_kernel<T, L>;
    const SharedBudget budget = shared_budget(
        kernel, ctx.device, size_t(3 * a.classes) * (kThreads / kWarp) * sizeof(param_t<T>));
    TESSEL_CHECK(budget.fits(), "dice_ce_edge: ", a.classes, " classes need ", budget.total(),
                 " bytes of shared memory per block, over the device's ", budget.optin_limit);
    allow_dynamic_shared(kernel, budget);
    kernel<<<grid_blocks(stat_rows(a.pixels()), "dice_ce_edge"), kThreads, budget.dynamic_bytes,
             ctx.stream>>>(a, static_cast<const T*>(logits), static_cast<const L*>(labels),
                           static_cast<param_t<T>*>(partials));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void seg_pass_backward(const CudaContext& ctx, const SegPass& a, const void* logits,
                       const void* labels, const void* grad_stats, void* dx) {
  if (a.pixels() == 0) return;
  dispatch_pass(a, "dice_ce_edge backward", [&](auto tag, auto ltag) {
    using T = typename decltype(tag)::type;
    using L = typename decltype(ltag)::type;
    auto* kernel = seg_backward_kernel<T, L>;
    const SharedBudget budget =
        shared_budget(kernel, ctx.device, size_t(2 * a.classes) * sizeof(acc_t<T>));
    TESSEL_CHECK(budget.fits(), "dice_ce_edge backward: ", a.classes, " classes need ",
                 budget.total(), " bytes of shared memory per block, over the device's ",
                 budget.optin_limit);
    allow_dynamic_shared(kernel, budget);
    kernel<<<grid_for(ctx, a.pixels()), kThreads, budget.dynamic_bytes, ctx.stream>>>(
        a, static_cast<const T*>(logits), static_cast<const L*>(labels),
        static_cast<const param_t<T>*>(grad_stats), static_cast<T*>(dx));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace tessel::kernels
