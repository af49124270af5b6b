#include "kernels/upsample.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// Outputs of one axis that read an input pixel, rounded up: the work of a gradient gather.
int64_t readers_per_input(const Axis& a) {
  return (a.out + a.in - 1) / a.in + 2;
}

// Nearest: the per-element math of kernels/upsample.h, in double for every dtype.
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

// The taps of every output of an axis, computed once per call in double (so the source indices
// round exactly as the per-element math does) and stored in T for the loops.
template <typename T>
std::vector<Tap<T>> taps_of(const Axis& a, bool align_corners) {
  std::vector<Tap<T>> taps(size_t(a.out));
  for (int64_t o = 0; o < a.out; ++o) {
    Tap<double> t = linear_tap<double>(a, align_corners, o);
    taps[size_t(o)] = {t.i0, t.i1, T(t.l1)};
  }
  return taps;
}

// Bilinear forward from the two axes' tap tables: no index arithmetic per output beyond the
// loads, arithmetic in T (f32 for f32, as PyTorch's CPU kernel).
template <typename T>
void bilinear(const Resample& r, T* out, const T* in) {
  const std::vector<Tap<T>> ty = taps_of<T>(r.h, r.align_corners),
                            tx = taps_of<T>(r.w, r.align_corners);
  parallel_for(r.planes * r.h.out, std::max<int64_t>(1, kGrain / (4 * r.w.out)),
               [&](int64_t b, int64_t e) {
                 for (int64_t row = b; row < e; ++row) {
                   const int64_t plane = row / r.h.out;
                   const Tap<T>& y = ty[size_t(row % r.h.out)];
                   const T* row0 = in + (plane * r.h.in + y.i0) * r.w.in;
                   const T* row1 = in + (plane * r.h.in + y.i1) * r.w.in;
                   const T wy0 = T(1) - y.l1, wy1 = y.l1;
                   T* o = out + row * r.w.out;
                   for (int64_t ox = 0; ox < r.w.out; ++ox) {
                     const Tap<T>& x = tx[size_t(ox)];
                     const T wx0 = T(1) - x.l1;
                     o[ox] = wy0 * (wx0 * row0[x.i0] + x.l1 * row0[x.i1]) +
                             wy1 * (wx0 * row1[x.i0] + x.l1 * row1[x.i1]);
                   }
                 }
               });
}

// Bilinear backward, separably per plane: each output row's gradient is spread along x into a
// [h.out, w.in] scratch (outputs in ascending order, as the gather sums them), then each scratch
// row along y into grad_in, a whole row at a time. One task per plane and a fixed order of
// additions: deterministic and independent of the thread count, with no per-pixel search for
// the outputs that read a pixel.
template <typename T>
void bilinear_grad(const Resample& r, T* grad_in, const T* grad_out) {
  const std::vector<Tap<T>> ty = taps_of<T>(r.h, r.align_corners),
                            tx = taps_of<T>(r.w, r.align_corners);
  const int64_t in_plane = r.h.in * r.w.in, out_plane = r.h.out * r.w.out;
  parallel_for(r.planes, std::max<int64_t>(1, kGrain / (2 * out_plane)), [&](int64_t b, int64_t e) {
    std::vector<T> spread(size_t(r.h.out * r.w.in));
    for (int64_t plane = b; plane < e; ++plane) {
      const T* g = grad_out + plane * out_plane;
      T* gi = grad_in + plane * in_plane;
      std::fill(spread.begin(), spread.end(), T(0));
      for (int64_t oy = 0; oy < r.h.out; ++oy) {
        T* line = spread.data() + oy * r.w.in;
        for (int64_t ox = 0; ox < r.w.out; ++ox) {
          const Tap<T>& x = tx[size_t(ox)];
          const T v = g[oy * r.w.out + ox];
          line[x.i0] += (T(1) - x.l1) * v;
          line[x.i1] += x.l1 * v;
        }
      }
      std::fill(gi, gi + in_plane, T(0));
      for (int64_t oy = 0; oy < r.h.out; ++oy) {
        const Tap<T>& y = ty[size_t(oy)];
        const T* line = spread.data() + oy * r.w.in;
        T* dst0 = gi + y.i0 * r.w.in;
        T* dst1 = gi + y.i1 * r.w.in;
        const T w0 = T(1) - y.l1, w1 = y.l1;
        for (int64_t ix = 0; ix < r.w.in; ++ix) dst0[ix] += w0 * line[ix];
        for (int64_t ix = 0; ix < r.w.in; ++ix) dst1[ix] += w1 * line[ix];
      }
    }
  });
}

}  // namespace

void upsample(const CpuContext&, Pass pass, const Resample& r, DType type, void* dst,
              const void* src) {
  switch (pass) {
    case Pass::Bilinear:
      return dispatch_float(type, pass_name(pass), [&](auto tag) {
        using T = typename decltype(tag)::type;
        bilinear(r, static_cast<T*>(dst), static_cast<const T*>(src));
      });
    case Pass::BilinearGrad:
      return dispatch_float(type, pass_name(pass), [&](auto tag) {
        using T = typename decltype(tag)::type;
        bilinear_grad(r, static_cast<T*>(dst), static_cast<const T*>(src));
      });
    case Pass::Nearest:
      return run<Pass::Nearest, float, double, uint8_t, int32_t, int64_t>(r, type, dst, src);
    case Pass::NearestGrad:
      return run<Pass::NearestGrad, float, double>(r, type, dst, src);
  }
}

}  // namespace tessel::kernels
