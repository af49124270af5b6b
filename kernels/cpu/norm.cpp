#include "kernels/norm.h"

#include <algorithm>
#include <array>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// fn(g) for each of `count` groups of `size` elements, in parallel over groups.
template <typename Fn>
void for_each_group(int64_t count, int64_t size, const Fn& fn) {
  parallel_for(count, std::max<int64_t>(1, kGrain / std::max<int64_t>(size, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t g = b; g < e; ++g) fn(g);
               });
}

// fn(i, len, k, p) over runs [i, i + len) of consecutive elements of [b, e) that share one stats
// group k and one param group p: the index arithmetic is per run, and the loop over a run is a
// plain multiply-add the compiler vectorises (batch norm's runs are whole H*W planes).
template <typename Fn>
void for_each_run(const NormArgs& a, int64_t b, int64_t e, const Fn& fn) {
  for (int64_t i = b; i < e;) {
    int64_t len =
        std::min({e - i, a.stats.inner - i % a.stats.inner, a.params.inner - i % a.params.inner});
    fn(i, len, a.stats.of(i), a.params.of(i));
    i += len;
  }
}

// fn(begin, end) over the contiguous runs making up group g of `gr` (numel elements in all).
template <typename Fn>
void for_each_block(Groups gr, int64_t numel, int64_t g, const Fn& fn) {
  for (int64_t base = g * gr.inner; base < numel; base += gr.count * gr.inner)
    fn(base, base + gr.inner);
}

// Adds the sums over i in [b, e) of each of the K terms terms(i) returns into total. A single
// running double is one dependent add per element, which the compiler may not reorder (4-cycle
// latency: most of batch norm's time in a small UNet's step); kLanes interleaved partial sums
// vectorise, and are combined in a fixed order, so the result does not depend on threads.
constexpr int kLanes = 8;

template <int K, typename Terms>
void add_sums(int64_t b, int64_t e, double (&total)[K], const Terms& terms) {
  double lane[K][kLanes] = {};
  int64_t i = b;
  for (; i + kLanes <= e; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      std::array<double, K> t = terms(i + l);
      for (int k = 0; k < K; ++k) lane[k][l] += t[size_t(k)];
    }
  for (int l = 0; i < e; ++i, ++l) {
    std::array<double, K> t = terms(i);
    for (int k = 0; k < K; ++k) lane[k][l] += t[size_t(k)];
  }
  for (int k = 0; k < K; ++k)
    for (int l = 0; l < kLanes; ++l) total[k] += lane[k][l];
}

template <typename T>
struct Params {  // a run's per-group values
  using P = param_t<T>;
  P mean, invstd, weight, bias;
  Params(const NormArgs& a, int64_t k, int64_t p)
      : mean(static_cast<const P*>(a.mean)[k]),
        invstd(static_cast<const P*>(a.invstd)[k]),
        weight(a.weight ? static_cast<const P*>(a.weight)[p] : P(1)),
        bias(a.bias ? static_cast<const P*>(a.bias)[p] : P(0)) {}
};

}  // namespace

// Two passes (mean, then squared deviations) in double: exact enough to stay the reference.
void group_moments(const CpuContext&, DType type, int64_t numel, Groups gr, const void* x_in,
                   void* mean, void* var) {
  dispatch_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(x_in);
    int64_t size = numel / gr.count;
    for_each_group(gr.count, size, [&](int64_t g) {
      double s[1] = {0}, q[1] = {0};
      for_each_block(gr, numel, g, [&](int64_t b, int64_t e) {
        add_sums(b, e, s, [&](int64_t i) { return std::array<double, 1>{double(x[i])}; });
      });
      double m = s[0] / double(size);
      for_each_block(gr, numel, g, [&](int64_t b, int64_t e) {
        add_sums(b, e, q, [&](int64_t i) {
          double d = double(x[i]) - m;
          return std::array<double, 1>{d * d};
        });
      });
      static_cast<T*>(mean)[g] = T(m);
      static_cast<T*>(var)[g] = T(q[0] / double(size));
    });
  });
}

void norm_forward(const CpuContext&, DType type, const NormArgs& a, void* y_out) {
  dispatch_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(a.x);
    T* y = static_cast<T*>(y_out);
    parallel_for(a.numel, kGrain, [&](int64_t b, int64_t e) {
      for_each_run(a, b, e, [&](int64_t i0, int64_t len, int64_t k, int64_t p) {
        Params<T> v(a, k, p);
        T scale = T(v.invstd * v.weight), m = T(v.mean), bias = T(v.bias);
        for (int64_t i = i0; i < i0 + len; ++i) y[i] = (x[i] - m) * scale + bias;
      });
    });
  });
}

void norm_grad_sums(const CpuContext&, DType type, const NormArgs& a, Groups over,
                    const void* dy_in, void* sum_wdy, void* sum_wdy_xhat) {
  dispatch_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* dy = static_cast<const T*>(dy_in);
    const T* x = static_cast<const T*>(a.x);
    for_each_group(over.count, a.numel / over.count, [&](int64_t g) {
      double s = 0, q = 0;
      for_each_block(over, a.numel, g, [&](int64_t b, int64_t e) {
        for_each_run(a, b, e, [&](int64_t i0, int64_t len, int64_t k, int64_t p) {
          Params<T> v(a, k, p);
          double r[2] = {0, 0};
          const double m = double(v.mean);
          add_sums(i0, i0 + len, r, [&](int64_t i) {
            return std::array<double, 2>{double(dy[i]), double(dy[i]) * (double(x[i]) - m)};
          });
          s += double(v.weight) * r[0];
          q += double(v.weight) * double(v.invstd) * r[1];
        });
      });
      static_cast<T*>(sum_wdy)[g] = T(s);
      static_cast<T*>(sum_wdy_xhat)[g] = T(q);
    });
  });
}

void norm_backward(const CpuContext&, DType type, const NormArgs& a, const void* dy_in,
                   const void* mean_wdy_in, const void* mean_wdy_xhat_in, void* dx_out) {
  dispatch_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(a.x);
    const T* dy = static_cast<const T*>(dy_in);
    const T* mean_wdy = static_cast<const T*>(mean_wdy_in);
    const T* mean_wdy_xhat = static_cast<const T*>(mean_wdy_xhat_in);
    T* dx = static_cast<T*>(dx_out);
    parallel_for(a.numel, kGrain, [&](int64_t b, int64_t e) {
      for_each_run(a, b, e, [&](int64_t i0, int64_t len, int64_t k, int64_t p) {
        Params<T> v(a, k, p);
        T is = T(v.invstd), w = T(v.weight), m = T(v.mean);
        // dx = invstd * (w dy - mean(w dy) - xhat mean(w dy xhat)); the means are absent when
        // the statistics are constants (batch norm in eval mode).
        T c1 = mean_wdy ? mean_wdy[k] : T(0), c2 = mean_wdy ? mean_wdy_xhat[k] * is : T(0);
        for (int64_t i = i0; i < i0 + len; ++i) dx[i] = (w * dy[i] - c1 - (x[i] - m) * c2) * is;
      });
    });
  });
}

}  // namespace tessel::kernels
