#include "kernels/pool.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// fn(tag, e) for every element e of `n`, in parallel; the math accumulates in double so the CPU
// stays the reference.
template <typename Fn>
void for_each_element(DType type, const char* what, int64_t n, int64_t work, const Fn& fn) {
  dispatch_float(type, what, [&](auto tag) {
    parallel_for(n, std::max<int64_t>(1, kGrain / std::max<int64_t>(work, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t i = b; i < e; ++i) fn(tag, i);
                 });
  });
}

}  // namespace

// A row of outputs per step, so the index arithmetic is per row; comparisons in T (a maximum
// needs no wider type: the conversion would be exact).
void max_pool2d(const CpuContext&, const Pool2d& p, DType type, void* out, int64_t* argmax,
                const void* in) {
  dispatch_float(type, "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t rows = p.planes * p.out_h;
    parallel_for(rows, std::max<int64_t>(1, kGrain / (p.out_w * p.kh * p.kw)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t row = b; row < e; ++row) {
                     const T* x = static_cast<const T*>(in) + row / p.out_h * p.in_h * p.in_w;
                     T* y = static_cast<T*>(out) + row * p.out_w;
                     int64_t* a = argmax + row * p.out_w;
                     for (int64_t ow = 0; ow < p.out_w; ++ow)
                       y[ow] = max_pool_window<T, T>(p, x, row % p.out_h, ow, a + ow);
                   }
                 });
  });
}

// Windows that do not overlap (UNet's and most encoders' 2x2 stride 2) hand each input at most
// one output's gradient: a scatter per plane, in output order, gives exactly the gather's result
// for a fraction of its index arithmetic. Overlapping windows sum in double through the gather.
void max_pool2d_backward(const CpuContext&, const Pool2d& p, DType type, void* grad_in,
                         const void* grad_out, const int64_t* argmax) {
  const bool disjoint = p.sh >= (p.kh - 1) * p.dh + 1 && p.sw >= (p.kw - 1) * p.dw + 1;
  if (!disjoint) {
    for_each_element(
        type, "max_pool2d_backward", p.planes * p.in_h * p.in_w, 4, [&](auto tag, int64_t e) {
          using T = typename decltype(tag)::type;
          static_cast<T*>(grad_in)[e] =
              T(max_pool_grad_at<T, double>(p, static_cast<const T*>(grad_out), argmax, e));
        });
    return;
  }
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  dispatch_float(type, "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(p.planes, std::max<int64_t>(1, kGrain / (in_plane + out_plane)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t plane = b; plane < e; ++plane) {
                     T* gi = static_cast<T*>(grad_in) + plane * in_plane;
                     const T* go = static_cast<const T*>(grad_out) + plane * out_plane;
                     const int64_t* picked = argmax + plane * out_plane;
                     std::fill(gi, gi + in_plane, T(0));
                     for (int64_t o = 0; o < out_plane; ++o) gi[picked[o]] = go[o];
                   }
                 });
  });
}

void avg_pool2d(const CpuContext&, PoolKind kind, const Pool2d& p, DType type, void* out,
                const void* in) {
  for_each_element(type, "avg_pool2d", p.planes * p.out_h * p.out_w, p.kh * p.kw,
                   [&](auto tag, int64_t e) {
                     using T = typename decltype(tag)::type;
                     const T* x = static_cast<const T*>(in);
                     static_cast<T*>(out)[e] =
                         T(kind == PoolKind::Avg ? avg_pool_at<T, double>(p, x, e)
                                                 : adaptive_avg_pool_at<T, double>(p, x, e));
                   });
}

// Adaptive pooling to a size that divides the input's (the global pooling of squeeze-excitation,
// PSP and ASPP image pooling) gives each input exactly one window: a row of inputs takes its
// windows' gradients by a fill, with the gather's arithmetic (one term, divided in double).
template <typename T>
void adaptive_avg_pool2d_backward_tiled(const Pool2d& p, T* grad_in, const T* grad_out) {
  const int64_t fh = p.in_h / p.out_h, fw = p.in_w / p.out_w;
  parallel_for(p.planes * p.in_h, std::max<int64_t>(1, kGrain / p.in_w), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const int64_t plane = row / p.in_h, oh = row % p.in_h / fh;
      const T* g = grad_out + (plane * p.out_h + oh) * p.out_w;
      T* gi = grad_in + row * p.in_w;
      for (int64_t ow = 0; ow < p.out_w; ++ow)
        std::fill(gi + ow * fw, gi + (ow + 1) * fw, T(double(g[ow]) / double(fh * fw)));
    }
  });
}

void avg_pool2d_backward(const CpuContext&, PoolKind kind, const Pool2d& p, DType type,
                         void* grad_in, const void* grad_out) {
  if (kind == PoolKind::AdaptiveAvg && p.in_h % p.out_h == 0 && p.in_w % p.out_w == 0) {
    return dispatch_float(type, "adaptive_avg_pool2d_backward", [&](auto tag) {
      using T = typename decltype(tag)::type;
      adaptive_avg_pool2d_backward_tiled(p, static_cast<T*>(grad_in),
                                         static_cast<const T*>(grad_out));
    });
  }
  for_each_element(type, "avg_pool2d_backward", p.planes * p.in_h * p.in_w, 4,
                   [&](auto tag, int64_t e) {
                     using T = typename decltype(tag)::type;
                     const T* g = static_cast<const T*>(grad_out);
                     static_cast<T*>(grad_in)[e] =
                         T(kind == PoolKind::Avg ? avg_pool_grad_at<T, double>(p, g, e)
                                                 : adaptive_avg_pool_grad_at<T, double>(p, g, e));
                   });
}

// Unpooling as PyTorch's CPU loop, a scatter in plane order (a later index overrides), one plane
// per task: the CUDA kernel gathers to the same result. An index outside its window is an error
// (named after the loop); the backward is the gradient rule CUDA shares (kernels/pool.h).
template <typename Fn>
void for_each_plane(DType type, const char* what, const Pool2d& p, const Fn& fn) {
  dispatch_float(type, what, [&](auto tag) {
    parallel_for(p.planes, std::max<int64_t>(1, kGrain / (p.in_h * p.in_w)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t c = b; c < e; ++c) fn(tag, c);
                 });
  });
}

void max_unpool2d(const CpuContext&, const Pool2d& p, DType type, void* out, const void* in,
                  const int64_t* indices) {
  int64_t pooled = p.out_h * p.out_w, plane = p.in_h * p.in_w;
  std::vector<int64_t> first_bad(size_t(p.planes), -1);  // per plane, a pooled position
  for_each_plane(type, "max_unpool2d", p, [&](auto tag, int64_t c) {
    using T = typename decltype(tag)::type;
    T* y = static_cast<T*>(out) + c * plane;
    const T* x = static_cast<const T*>(in) + c * pooled;
    const int64_t* idx = indices + c * pooled;
    std::fill(y, y + plane, T(0));
    for (int64_t oh = 0, k = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow, ++k) {
        if (index_in_window(p, oh, ow, idx[k]))
          y[idx[k]] = x[k];
        else if (first_bad[size_t(c)] < 0)
          first_bad[size_t(c)] = k;
      }
  });
  for (int64_t c = 0; c < p.planes; ++c) {
    int64_t k = first_bad[size_t(c)];
    TESSEL_CHECK(k < 0, "max_unpool2d: 'indices' element ", c * pooled + k, " is ",
                 indices[c * pooled + k], ", outside the window of pooled position (", k / p.out_w,
                 ", ", k % p.out_w, ") in a ", p.in_h, "x", p.in_w,
                 " plane: the indices must come from max_pool2d_with_indices with the same "
                 "kernel, stride and padding");
  }
}

void max_unpool2d_backward(const CpuContext&, const Pool2d& p, DType type, void* grad_in,
                           const void* grad_out, const int64_t* indices) {
  for_each_element(
      type, "max_unpool2d_backward", p.planes * p.out_h * p.out_w, 1, [&](auto tag, int64_t e) {
        using T = typename decltype(tag)::type;
        static_cast<T*>(grad_in)[e] =
            T(max_unpool_grad_at<T, double>(p, static_cast<const T*>(grad_out), indices, e));
      });
}

}  // namespace tessel::kernels
