// Bilinear and nearest resampling of contiguous planes (N * C planes of H x W), with PyTorch's
// coordinate rules (F.interpolate, modes 'bilinear' and 'nearest'). The per-axis source math is
// written once here for host and device; the CPU and CUDA files only loop over it.
//
// On the GPU both backwards are gathers: input pixel i finds, from the inverse mapping, the range
// of outputs that read it and sums their gradients with the weights recomputed exactly as the
// forward did. (The CPU's bilinear passes loop over per-axis tap tables instead, and its backward
// spreads each plane separably: kernels/cpu/upsample.cpp.) That is deterministic, and on a GPU at
// least as fast as scattering with atomics: grad_out is read
// through the caches by neighbouring threads (DRAM traffic stays near one read of grad_out) and
// every grad_in element is written once, whereas a scatter needs a zero-fill pass over grad_in,
// four read-modify-write atomics per output pixel (emulated with compare-and-swap for 16-bit
// types) and serialises where outputs collide.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

// One axis of a resampling: `scale` is input pixels per output pixel as PyTorch's
// area_pixel_compute_scale (bilinear) or compute_scales_value (nearest) gives it. The op sets it
// to 1 when the size is unchanged, so the copy PyTorch special-cases falls out of the formula.
struct Axis {
  int64_t in, out;
  double scale;
};

struct Resample {
  int64_t planes;
  Axis h, w;
  bool align_corners;  // bilinear only
};

// Output o of a linear axis reads inputs i0 and i1 (i0 + 1, or i0 at the last input) with weights
// 1 - l1 and l1: PyTorch's compute_source_index_and_lambda.
template <typename C>
struct Tap {
  int64_t i0, i1;
  C l1;
};

template <typename C>
TESSEL_HD Tap<C> linear_tap(const Axis& a, bool align_corners, int64_t o) {
  C s = C(a.scale);
  C src = align_corners ? s * C(o) : s * (C(o) + C(0.5)) - C(0.5);
  src = src > C(0) ? src : C(0);
  int64_t i0 = int64_t(src);
  C l1 = src - C(i0);
  return {i0, i0 < a.in - 1 ? i0 + 1 : i0, l1 < C(1) ? l1 : C(1)};
}

// The weight input i gets from a tap; both terms count when i0 == i1 at the last input.
template <typename C>
TESSEL_HD C tap_weight(const Tap<C>& t, int64_t i) {
  return (t.i0 == i ? C(1) - t.l1 : C(0)) + (t.i1 == i ? t.l1 : C(0));
}

// PyTorch's nearest_neighbor_compute_source_index, in f32 as PyTorch computes it for every dtype.
TESSEL_HD int64_t nearest_source(const Axis& a, int64_t o) {
  int64_t i = int64_t(floorf(float(o) * float(a.scale)));
  return i < a.in - 1 ? i : a.in - 1;
}

// The first output o whose source index src(o) is at least k (a.out when none), for src monotone
// in o with src(o) ~ (o + offset) * scale - offset. The inverse mapping gives a guess and a few
// steps reach the exact boundary, so the ranges agree with the forward's rounding bit for bit.
template <typename C, typename Src>
TESSEL_HD int64_t first_output_from(const Axis& a, C offset, int64_t k, const Src& src) {
  C s = C(a.scale), guess = s > C(0) ? (C(k) + offset) / s - offset : C(0);
  int64_t o = guess <= C(0) ? 0 : (guess >= C(a.out) ? a.out : int64_t(guess));
  while (o > 0 && src(o - 1) >= k) --o;
  while (o < a.out && src(o) < k) ++o;
  return o;
}

// Splits linear index e of a (planes, rows, cols) layout.
struct Pixel {
  int64_t plane, y, x;
};
TESSEL_HD Pixel pixel_of(int64_t e, int64_t rows, int64_t cols) {
  return {e / (rows * cols), e / cols % rows, e % cols};
}

template <typename T, typename C>
TESSEL_HD C bilinear_at(const Resample& r, const T* in, int64_t e) {
  Pixel p = pixel_of(e, r.h.out, r.w.out);
  Tap<C> y = linear_tap<C>(r.h, r.align_corners, p.y), x = linear_tap<C>(r.w, r.align_corners, p.x);
  const T* row0 = in + (p.plane * r.h.in + y.i0) * r.w.in;
  const T* row1 = in + (p.plane * r.h.in + y.i1) * r.w.in;
  C x0 = C(1) - x.l1;
  return (C(1) - y.l1) * (x0 * C(row0[x.i0]) + x.l1 * C(row0[x.i1])) +
         y.l1 * (x0 * C(row1[x.i0]) + x.l1 * C(row1[x.i1]));
}

// Input i of a linear axis is read by the outputs whose i0 is i - 1 (through i1) or i.
template <typename C>
TESSEL_HD void linear_readers(const Axis& a, bool align_corners, int64_t i, int64_t* lo,
                              int64_t* hi) {
  auto i0 = [&](int64_t o) { return linear_tap<C>(a, align_corners, o).i0; };
  C offset = align_corners ? C(0) : C(0.5);
  *lo = first_output_from<C>(a, offset, i - 1, i0);
  *hi = first_output_from<C>(a, offset, i + 1, i0);
}

template <typename T, typename C>
TESSEL_HD C bilinear_grad_at(const Resample& r, const T* grad_out, int64_t e) {
  Pixel p = pixel_of(e, r.h.in, r.w.in);
  int64_t y0, y1, x0, x1;
  linear_readers<C>(r.h, r.align_corners, p.y, &y0, &y1);
  linear_readers<C>(r.w, r.align_corners, p.x, &x0, &x1);
  const T* g = grad_out + p.plane * r.h.out * r.w.out;
  C s = 0;
  for (int64_t oy = y0; oy < y1; ++oy) {
    C row = 0;
    for (int64_t ox = x0; ox < x1; ++ox)
      row += tap_weight(linear_tap<C>(r.w, r.align_corners, ox), p.x) * C(g[oy * r.w.out + ox]);
    s += tap_weight(linear_tap<C>(r.h, r.align_corners, oy), p.y) * row;
  }
  return s;
}

template <typename T>
TESSEL_HD T nearest_at(const Resample& r, const T* in, int64_t e) {
  Pixel p = pixel_of(e, r.h.out, r.w.out);
  return in[(p.plane * r.h.in + nearest_source(r.h, p.y)) * r.w.in + nearest_source(r.w, p.x)];
}

// Input i of a nearest axis is read by the outputs whose source is exactly i.
TESSEL_HD void nearest_readers(const Axis& a, int64_t i, int64_t* lo, int64_t* hi) {
  auto src = [&](int64_t o) { return nearest_source(a, o); };
  *lo = first_output_from<float>(a, 0.f, i, src);
  *hi = first_output_from<float>(a, 0.f, i + 1, src);
}

template <typename T, typename C>
TESSEL_HD C nearest_grad_at(const Resample& r, const T* grad_out, int64_t e) {
  Pixel p = pixel_of(e, r.h.in, r.w.in);
  int64_t y0, y1, x0, x1;
  nearest_readers(r.h, p.y, &y0, &y1);
  nearest_readers(r.w, p.x, &x0, &x1);
  const T* g = grad_out + p.plane * r.h.out * r.w.out;
  C s = 0;
  for (int64_t oy = y0; oy < y1; ++oy)
    for (int64_t ox = x0; ox < x1; ++ox) s += C(g[oy * r.w.out + ox]);
  return s;
}

// The four passes; each writes one element of its destination per call (an output pixel forward,
// an input pixel backward).
enum class Pass : int { Bilinear, BilinearGrad, Nearest, NearestGrad };

inline const char* pass_name(Pass p) {
  const char* names[] = {"upsample_bilinear", "upsample_bilinear_backward", "upsample_nearest",
                         "upsample_nearest_backward"};
  return names[int(p)];
}

TESSEL_HD int64_t pass_numel(Pass p, const Resample& r) {
  bool grad = p == Pass::BilinearGrad || p == Pass::NearestGrad;
  return grad ? r.planes * r.h.in * r.w.in : r.planes * r.h.out * r.w.out;
}

template <Pass P, typename T, typename C>
TESSEL_HD void resample_at(const Resample& r, T* dst, const T* src, int64_t e) {
  if constexpr (P == Pass::Bilinear) dst[e] = T(bilinear_at<T, C>(r, src, e));
  if constexpr (P == Pass::BilinearGrad) dst[e] = T(bilinear_grad_at<T, C>(r, src, e));
  if constexpr (P == Pass::Nearest) dst[e] = nearest_at(r, src, e);
  if constexpr (P == Pass::NearestGrad) dst[e] = T(nearest_grad_at<T, C>(r, src, e));
}

// dst and src are the output and input forward, grad_in and grad_out backward. Nearest forward
// takes u8, i32 and i64 as well (label maps); the rest are floating point only.
void upsample(const CpuContext&, Pass pass, const Resample& r, DType type, void* dst,
              const void* src);
void upsample(const CudaContext&, Pass pass, const Resample& r, DType type, void* dst,
              const void* src);

}  // namespace tessel::kernels
