// im2col + GEMM. Per sample and group, the convolution is one product
//   y_g[og, oh * ow] = w_g[og, cg * kh * kw] @ col[cg * kh * kw, oh * ow],
// its input gradient is col = w_g^T @ dy_g scattered back by col2im, and its weight gradient
// dw_g = sum over samples of dy_g @ col^T.
#include <algorithm>
#include <vector>

#include "kernels/conv.h"
#include "kernels/cpu/parallel.h"
#include "kernels/gemm.h"

namespace tessel::kernels::cpu {
namespace {

struct GroupSizes {
  int64_t cg, og, ckk, hw, ohw;
  explicit GroupSizes(const ConvShape& s)
      : cg(s.c / s.groups),
        og(s.o / s.groups),
        ckk(cg * s.kh * s.kw),
        hw(s.h * s.w),
        ohw(s.oh * s.ow) {}
};

// A 1x1, stride-1, unpadded convolution's column matrix is its input: no im2col needed.
bool col_is_input(const ConvShape& s) {
  return s.kh == 1 && s.kw == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 &&
         s.pad_w == 0;
}

// Calls fn(k, p) for each entry k of the [channels * kh * kw, oh * ow] column matrix, with p
// the offset in the [channels, h, w] input it stands for, or -1 where it reads padding. im2col
// and col2im are this one walk with a copy or an accumulation.
template <typename Fn>
void for_each_tap(const ConvShape& s, int64_t channels, const Fn& fn) {
  int64_t k = 0;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j)
        for (int64_t oy = 0; oy < s.oh; ++oy) {
          int64_t iy = oy * s.stride_h - s.pad_h + i * s.dil_h;
          bool row_inside = iy >= 0 && iy < s.h;
          for (int64_t ox = 0; ox < s.ow; ++ox, ++k) {
            int64_t ix = ox * s.stride_w - s.pad_w + j * s.dil_w;
            fn(k, row_inside && ix >= 0 && ix < s.w ? (c * s.h + iy) * s.w + ix : -1);
          }
        }
}

// The column matrix of one sample's group: the input itself for a 1x1 convolution, else
// `scratch` filled from it.
template <typename T>
const T* im2col(const ConvShape& s, int64_t channels, const T* x, T* scratch) {
  if (col_is_input(s)) return x;
  for_each_tap(s, channels, [&](int64_t k, int64_t p) { scratch[k] = p < 0 ? T(0) : x[p]; });
  return scratch;
}

// The adjoint of im2col: each column entry adds onto the input pixel it was read from.
template <typename T>
void col2im(const ConvShape& s, int64_t channels, const T* col, T* x) {
  std::fill(x, x + channels * s.h * s.w, T(0));
  for_each_tap(s, channels, [&](int64_t k, int64_t p) {
    if (p >= 0) x[p] += col[k];
  });
}

template <typename T>
void add_bias(T* out, const T* bias, int64_t channels, int64_t plane) {
  if (!bias) return;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < plane; ++p) out[c * plane + p] += bias[c];
}

// Scratch for one column matrix (none when the input is its own column matrix).
template <typename T>
std::vector<T> col_scratch(const ConvShape& s) {
  GroupSizes z(s);
  return std::vector<T>(col_is_input(s) ? 0 : size_t(z.ckk * z.ohw));
}

// Runs fn(n, g, scratch) over every (sample, group) pair in parallel. Eigen stays serial inside
// the parallel region, and threads the product itself when there is only one pair.
template <typename T, typename Fn>
void for_each_sample_group(const ConvShape& s, const Fn& fn) {
  parallel_for(s.n * s.groups, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> scratch = col_scratch<T>(s);
    for (int64_t i = begin; i < end; ++i) fn(i / s.groups, i % s.groups, scratch.data());
  });
}

template <typename T>
void forward(const ConvShape& s, T* y, const T* x, const T* w, const T* bias) {
  GroupSizes z(s);
  for_each_sample_group<T>(s, [&](int64_t n, int64_t g, T* scratch) {
    const T* col = im2col(s, z.cg, x + (n * s.c + g * z.cg) * z.hw, scratch);
    T* yg = y + (n * s.o + g * z.og) * z.ohw;
    gemm({.m = z.og, .n = z.ohw, .k = z.ckk, .lda = z.ckk, .ldb = z.ohw, .ldc = z.ohw},
         dtype_of<T>(), w + g * z.og * z.ckk, col, yg);
    add_bias(yg, bias ? bias + g * z.og : nullptr, z.og, z.ohw);
  });
}

template <typename T>
void backward_input(const ConvShape& s, T* dx, const T* dy, const T* w, const T* bias) {
  GroupSizes z(s);
  for_each_sample_group<T>(s, [&](int64_t n, int64_t g, T* scratch) {
    T* dxg = dx + (n * s.c + g * z.cg) * z.hw;
    T* col = col_is_input(s) ? dxg : scratch;
    gemm({.m = z.ckk,
          .n = z.ohw,
          .k = z.og,
          .trans_a = true,
          .lda = z.ckk,
          .ldb = z.ohw,
          .ldc = z.ohw},
         dtype_of<T>(), w + g * z.og * z.ckk, dy + (n * s.o + g * z.og) * z.ohw, col);
    if (col != dxg) col2im(s, z.cg, col, dxg);
    add_bias(dxg, bias ? bias + g * z.cg : nullptr, z.cg, z.hw);
  });
}

// Groups write disjoint slices of dw, so they run in parallel; samples accumulate in order.
template <typename T>
void backward_weight(const ConvShape& s, T* dw, const T* dy, const T* x) {
  GroupSizes z(s);
  std::fill(dw, dw + s.o * z.ckk, T(0));
  parallel_for(s.groups, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> scratch = col_scratch<T>(s);
    for (int64_t g = begin; g < end; ++g)
      for (int64_t n = 0; n < s.n; ++n) {
        const T* col = im2col(s, z.cg, x + (n * s.c + g * z.cg) * z.hw, scratch.data());
        gemm({.m = z.og,
              .n = z.ckk,
              .k = z.ohw,
              .trans_b = true,
              .lda = z.ohw,
              .ldb = z.ohw,
              .ldc = z.ckk,
              .beta = 1},
             dtype_of<T>(), dy + (n * s.o + g * z.og) * z.ohw, col, dw + g * z.og * z.ckk);
      }
  });
}

}  // namespace

void conv2d_forward(const ConvShape& s, DType type, void* y, const void* x, const void* w,
                    const void* bias) {
  dispatch_float(type, "conv2d (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    forward(s, static_cast<T*>(y), static_cast<const T*>(x), static_cast<const T*>(w),
            static_cast<const T*>(bias));
  });
}

void conv2d_backward_input(const ConvShape& s, DType type, void* dx, const void* dy, const void* w,
                           const void* bias) {
  dispatch_float(type, "conv2d backward (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    backward_input(s, static_cast<T*>(dx), static_cast<const T*>(dy), static_cast<const T*>(w),
                   static_cast<const T*>(bias));
  });
}

void conv2d_backward_weight(const ConvShape& s, DType type, void* dw, const void* dy,
                            const void* x) {
  dispatch_float(type, "conv2d backward (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    backward_weight(s, static_cast<T*>(dw), static_cast<const T*>(dy), static_cast<const T*>(x));
  });
}

}  // namespace tessel::kernels::cpu
