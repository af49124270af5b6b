// 2-D pooling over contiguous NCHW planes (N * C planes of H x W). The window arithmetic is
// written once here, for host and device, and the CPU and CUDA files only loop over it. Every
// backward is a gather (each input pixel sums the outputs whose window holds it), so gradients
// are deterministic without atomics.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

struct Pool2d {
  int64_t planes, in_h, in_w, out_h, out_w;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;  // kernel, stride, padding, dilation
  bool count_include_pad;                  // avg_pool2d only
};

// floor(a / b) for b > 0 and any sign of a.
TESSEL_HD int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// Outputs o in [*lo, *hi) whose window [o * stride - pad, o * stride - pad + span) holds `i`.
TESSEL_HD void windows_holding(int64_t i, int64_t stride, int64_t pad, int64_t span, int64_t outs,
                               int64_t* lo, int64_t* hi) {
  int64_t a = floor_div(i + pad - span, stride) + 1, b = floor_div(i + pad, stride) + 1;
  *lo = a > 0 ? a : 0;
  *hi = b < outs ? b : outs;
}

// PyTorch's avg_pool2d divisor for output (oh, ow): the window clipped to the padded input, or
// to the input itself when padding does not count.
TESSEL_HD int64_t avg_divisor(const Pool2d& p, int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  int64_t h1 = h0 + p.kh < p.in_h + p.ph ? h0 + p.kh : p.in_h + p.ph;
  int64_t w1 = w0 + p.kw < p.in_w + p.pw ? w0 + p.kw : p.in_w + p.pw;
  if (p.count_include_pad) return (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0, w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < p.in_h ? h1 : p.in_h, w1 = w1 < p.in_w ? w1 : p.in_w;
  return (h1 - h0) * (w1 - w0);
}

// Adaptive pooling's window of output o: [floor(o * in / out), ceil((o + 1) * in / out)).
TESSEL_HD int64_t adaptive_start(int64_t o, int64_t in, int64_t out) {
  return o * in / out;
}
TESSEL_HD int64_t adaptive_end(int64_t o, int64_t in, int64_t out) {
  return ((o + 1) * in + out - 1) / out;
}

// Output (oh, ow) of max pooling over plane `x`: the value (NaN wins, as in PyTorch) and the
// index h * W + w of its pixel within the plane.
template <typename T, typename C>
TESSEL_HD C max_pool_window(const Pool2d& p, const T* x, int64_t oh, int64_t ow, int64_t* argmax) {
  int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  while (h0 < 0) h0 += p.dh;
  while (w0 < 0) w0 += p.dw;
  int64_t h1 = oh * p.sh - p.ph + (p.kh - 1) * p.dh + 1,
          w1 = ow * p.sw - p.pw + (p.kw - 1) * p.dw + 1;
  h1 = h1 < p.in_h ? h1 : p.in_h, w1 = w1 < p.in_w ? w1 : p.in_w;
  C best = -C(INFINITY);
  int64_t arg = h0 * p.in_w + w0;
  for (int64_t h = h0; h < h1; h += p.dh)
    for (int64_t w = w0; w < w1; w += p.dw) {
      C v = C(x[h * p.in_w + w]);
      if (v > best || v != v) best = v, arg = h * p.in_w + w;
    }
  *argmax = arg;
  return best;
}

// Element `e` (a linear output index) of max pooling.
template <typename T, typename C>
TESSEL_HD C max_pool_at(const Pool2d& p, const T* in, int64_t e, int64_t* argmax) {
  int64_t ow = e % p.out_w, oh = e / p.out_w % p.out_h, plane = e / (p.out_w * p.out_h);
  return max_pool_window<T, C>(p, in + plane * p.in_h * p.in_w, oh, ow, argmax);
}

// Gradient of input element `e` of max pooling: the outputs that picked it.
template <typename T, typename C>
TESSEL_HD C max_pool_grad_at(const Pool2d& p, const T* grad_out, const int64_t* argmax, int64_t e) {
  int64_t iw = e % p.in_w, ih = e / p.in_w % p.in_h, plane = e / (p.in_w * p.in_h);
  int64_t oh0, oh1, ow0, ow1;
  windows_holding(ih, p.sh, p.ph, (p.kh - 1) * p.dh + 1, p.out_h, &oh0, &oh1);
  windows_holding(iw, p.sw, p.pw, (p.kw - 1) * p.dw + 1, p.out_w, &ow0, &ow1);
  int64_t base = plane * p.out_h * p.out_w, self = ih * p.in_w + iw;
  C g = 0;
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t ow = ow0; ow < ow1; ++ow)
      if (argmax[base + oh * p.out_w + ow] == self) g += C(grad_out[base + oh * p.out_w + ow]);
  return g;
}

template <typename T, typename C>
TESSEL_HD C avg_pool_at(const Pool2d& p, const T* in, int64_t e) {
  int64_t ow = e % p.out_w, oh = e / p.out_w % p.out_h, plane = e / (p.out_w * p.out_h);
  const T* x = in + plane * p.in_h * p.in_w;
  int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  int64_t h1 = h0 + p.kh < p.in_h ? h0 + p.kh : p.in_h,
          w1 = w0 + p.kw < p.in_w ? w0 + p.kw : p.in_w;
  C s = 0;
  for (int64_t h = h0 > 0 ? h0 : 0; h < h1; ++h)
    for (int64_t w = w0 > 0 ? w0 : 0; w < w1; ++w) s += C(x[h * p.in_w + w]);
  return s / C(avg_divisor(p, oh, ow));
}

template <typename T, typename C>
TESSEL_HD C avg_pool_grad_at(const Pool2d& p, const T* grad_out, int64_t e) {
  int64_t iw = e % p.in_w, ih = e / p.in_w % p.in_h, plane = e / (p.in_w * p.in_h);
  int64_t oh0, oh1, ow0, ow1;
  windows_holding(ih, p.sh, p.ph, p.kh, p.out_h, &oh0, &oh1);
  windows_holding(iw, p.sw, p.pw, p.kw, p.out_w, &ow0, &ow1);
  const T* g = grad_out + plane * p.out_h * p.out_w;
  C s = 0;
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t ow = ow0; ow < ow1; ++ow) s += C(g[oh * p.out_w + ow]) / C(avg_divisor(p, oh, ow));
  return s;
}

template <typename T, typename C>
TESSEL_HD C adaptive_avg_pool_at(const Pool2d& p, const T* in, int64_t e) {
  int64_t ow = e % p.out_w, oh = e / p.out_w % p.out_h, plane = e / (p.out_w * p.out_h);
  const T* x = in + plane * p.in_h * p.in_w;
  int64_t h0 = adaptive_start(oh, p.in_h, p.out_h), h1 = adaptive_end(oh, p.in_h, p.out_h);
  int64_t w0 = adaptive_start(ow, p.in_w, p.out_w), w1 = adaptive_end(ow, p.in_w, p.out_w);
  C s = 0;
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w) s += C(x[h * p.in_w + w]);
  return s / C((h1 - h0) * (w1 - w0));
}

// The windows are monotone in o, so those holding input i are o in
// [floor(i * out / in), ceil((i + 1) * out / in)): the same formula with in and out swapped.
template <typename T, typename C>
TESSEL_HD C adaptive_avg_pool_grad_at(const Pool2d& p, const T* grad_out, int64_t e) {
  int64_t iw = e % p.in_w, ih = e / p.in_w % p.in_h, plane = e / (p.in_w * p.in_h);
  const T* g = grad_out + plane * p.out_h * p.out_w;
  C s = 0;
  for (int64_t oh = adaptive_start(ih, p.out_h, p.in_h); oh < adaptive_end(ih, p.out_h, p.in_h);
       ++oh) {
    int64_t nh = adaptive_end(oh, p.in_h, p.out_h) - adaptive_start(oh, p.in_h, p.out_h);
    for (int64_t ow = adaptive_start(iw, p.out_w, p.in_w); ow < adaptive_end(iw, p.out_w, p.in_w);
         ++ow) {
      int64_t nw = adaptive_end(ow, p.in_w, p.out_w) - adaptive_start(ow, p.in_w, p.out_w);
      s += C(g[oh * p.out_w + ow]) / C(nh * nw);
    }
  }
  return s;
}

// Max unpooling (PyTorch's max_unpool2d) scatters pooled value k to position indices[k] of its
// plane. `p` describes the max pooling that made the indices (dilation 1): in_* is the unpooled
// size, out_* the pooled one. Written as a gather, so it needs no atomics: unpooled pixel `e`
// reads the pooled positions whose window holds it and takes the last (in plane order) that
// points at it, as PyTorch's sequential CPU loop does when overlapping windows repeat an index.
// An index outside its own window was not made by that pooling: it writes nothing.
TESSEL_HD bool index_in_window(const Pool2d& p, int64_t oh, int64_t ow, int64_t index) {
  if (index < 0 || index >= p.in_h * p.in_w) return false;
  int64_t h = index / p.in_w - (oh * p.sh - p.ph), w = index % p.in_w - (ow * p.sw - p.pw);
  return h >= 0 && h < p.kh && w >= 0 && w < p.kw;
}

template <typename T, typename C>
TESSEL_HD C max_unpool_at(const Pool2d& p, const T* in, const int64_t* indices, int64_t e) {
  int64_t iw = e % p.in_w, ih = e / p.in_w % p.in_h, plane = e / (p.in_w * p.in_h);
  int64_t oh0, oh1, ow0, ow1;
  windows_holding(ih, p.sh, p.ph, p.kh, p.out_h, &oh0, &oh1);
  windows_holding(iw, p.sw, p.pw, p.kw, p.out_w, &ow0, &ow1);
  int64_t base = plane * p.out_h * p.out_w, self = ih * p.in_w + iw;
  C v = 0;
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t ow = ow0; ow < ow1; ++ow)
      if (indices[base + oh * p.out_w + ow] == self) v = C(in[base + oh * p.out_w + ow]);
  return v;
}

// Gradient of pooled element `e`: the output gradient at its index (PyTorch's rule: every
// position that named a pixel gets its gradient, also those a later write overrode).
template <typename T, typename C>
TESSEL_HD C max_unpool_grad_at(const Pool2d& p, const T* grad_out, const int64_t* indices,
                               int64_t e) {
  int64_t ow = e % p.out_w, oh = e / p.out_w % p.out_h, plane = e / (p.out_w * p.out_h);
  int64_t index = indices[e];
  return index_in_window(p, oh, ow, index) ? C(grad_out[plane * p.in_h * p.in_w + index]) : C(0);
}

enum class PoolKind : int { Avg, AdaptiveAvg };

void max_pool2d(const CpuContext&, const Pool2d& p, DType type, void* out, int64_t* argmax,
                const void* in);
void max_pool2d_backward(const CpuContext&, const Pool2d& p, DType type, void* grad_in,
                         const void* grad_out, const int64_t* argmax);
void avg_pool2d(const CpuContext&, PoolKind kind, const Pool2d& p, DType type, void* out,
                const void* in);
void avg_pool2d_backward(const CpuContext&, PoolKind kind, const Pool2d& p, DType type,
                         void* grad_in, const void* grad_out);
// out: planes x in_h x in_w; in, indices, grad_in: planes x out_h x out_w. An index outside its
// window throws on the CPU and is skipped on CUDA.
void max_unpool2d(const CpuContext&, const Pool2d& p, DType type, void* out, const void* in,
                  const int64_t* indices);
void max_unpool2d_backward(const CpuContext&, const Pool2d& p, DType type, void* grad_in,
                           const void* grad_out, const int64_t* indices);
void max_pool2d(const CudaContext&, const Pool2d& p, DType type, void* out, int64_t* argmax,
                const void* in);
void max_pool2d_backward(const CudaContext&, const Pool2d& p, DType type, void* grad_in,
                         const void* grad_out, const int64_t* argmax);
void avg_pool2d(const CudaContext&, PoolKind kind, const Pool2d& p, DType type, void* out,
                const void* in);
void avg_pool2d_backward(const CudaContext&, PoolKind kind, const Pool2d& p, DType type,
                         void* grad_in, const void* grad_out);
void max_unpool2d(const CudaContext&, const Pool2d& p, DType type, void* out, const void* in,
                  const int64_t* indices);
void max_unpool2d_backward(const CudaContext&, const Pool2d& p, DType type, void* grad_in,
                           const void* grad_out, const int64_t* indices);

}  // namespace tessel::kernels
