#include "kernels/cross_entropy.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/warp.cuh"

namespace tessel::kernels {
namespace {

// A thread per pixel: neighbouring threads own neighbouring pixels, so each step along the
// classes (inner apart) is a coalesced read. Compute in f32 (f64 for f64 logits).
// The forward writes lse per pixel, and the loss per pixel (partials null) or one (loss, weight)
// partial per block, summed by a fixed tree.
template <typename T, typename L>
__global__ void forward_kernel(CeArgs a, acc_t<T>* lse, T* loss, acc_t<T>* partials) {
  using S = acc_t<T>;
  CeView<T, L> view(a);
  S v[2] = {0, 0};
  TESSEL_GRID_STRIDE(p, a.pixels()) {
    CePixel<S> r = ce_forward_pixel<S>(view.x + view.offset(p), a.inner, view.label(p), view.k);
    lse[p] = r.lse;
    if (partials) {
      v[0] += r.loss, v[1] += r.weight;
    } else {
      loss[p] = T(r.loss);
    }
  }
  if (!partials) return;
  block_sum(v);
  if (threadIdx.x == 0) partials[2 * blockIdx.x] = v[0], partials[2 * blockIdx.x + 1] = v[1];
}

// One block sums the partials in a fixed order and writes the totals and the reduced loss.
template <typename T>
__global__ void finish_kernel(const acc_t<T>* partials, int64_t count, bool mean, acc_t<T>* totals,
                              T* loss) {
  using S = acc_t<T>;
  S v[2] = {0, 0};
  for (int64_t b = threadIdx.x; b < count; b += blockDim.x)
    v[0] += partials[2 * b], v[1] += partials[2 * b + 1];
  block_sum(v);
  if (threadIdx.x != 0) return;
  totals[0] = v[0], totals[1] = v[1];
  loss[0] = T(mean ? v[0] / v[1] : v[0]);
}

template <typename T, typename L>
__global__ void backward_kernel(CeArgs a, const acc_t<T>* lse, CeGrad g, T* dx) {
  using S = acc_t<T>;
  CeView<T, L> v(a);
  const T* go = static_cast<const T*>(g.grad_out);
  S denom = g.totals ? static_cast<const S*>(g.totals)[1] : S(1);
  S scalar = S(go[0]) / denom;
  TESSEL_GRID_STRIDE(p, a.pixels()) {
    int64_t at = v.offset(p);
    S scale = g.per_pixel ? S(go[p]) / denom : scalar;
    ce_backward_pixel<S>(dx + at, v.x + at, a.inner, v.label(p), lse[p], scale, v.k);
  }
}

template <typename Fn>
void dispatch_ce(const CeArgs& a, const char* what, const Fn& fn) {
  dispatch_cuda_float(a.type, what, [&](auto t) {
    dispatch_types<uint8_t, int32_t, int64_t>(a.label_type, what, [&](auto l) { fn(t, l); });
  });
}

}  // namespace

void cross_entropy_forward(const CudaContext& ctx, const CeArgs& a, void* lse, void* loss,
                           void* totals, bool mean) {
  dispatch_ce(a, "cross_entropy", [&](auto t, auto l) {
    using T = typename decltype(t)::type;
    using L = typename decltype(l)::type;
    using S = acc_t<T>;
    int64_t blocks = ce_partials(a.pixels());
    S* partials = totals ? static_cast<S*>(ctx.workspace(2 * size_t(blocks) * sizeof(S))) : nullptr;
    forward_kernel<T, L><<<grid_blocks(blocks, "cross_entropy"), kThreads, 0, ctx.stream>>>(
        a, static_cast<S*>(lse), static_cast<T*>(loss), partials);
    TESSEL_CUDA_LAUNCH_CHECK();
    if (!totals) return;
    finish_kernel<T><<<1, kThreads, 0, ctx.stream>>>(
        partials, blocks, mean, static_cast<S*>(totals), static_cast<T*>(loss));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void cross_entropy_backward(const CudaContext& ctx, const CeArgs& a, const void* lse,
                            const CeGrad& g, void* grad_logits) {
  if (a.pixels() == 0) return;
  dispatch_ce(a, "cross_entropy backward", [&](auto t, auto l) {
    using T = typename decltype(t)::type;
    using L = typename decltype(l)::type;
    backward_kernel<T, L><<<grid_for(ctx, a.pixels()), kThreads, 0, ctx.stream>>>(
        a, static_cast<const acc_t<T>*>(lse), g, static_cast<T*>(grad_logits));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace tessel::kernels
