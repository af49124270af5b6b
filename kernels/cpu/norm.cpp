#include "kernels/norm.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels::cpu {
namespace {

// fn(g) for each of `count` groups of `size` elements, in parallel over groups.
template <typename Fn>
void for_each_group(int64_t count, int64_t size, const Fn& fn) {
  parallel_for(count, std::max<int64_t>(1, kGrain / std::max<int64_t>(size, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t g = b; g < e; ++g) fn(g);
               });
}

}  // namespace

// Two passes (mean, then squared deviations) in double: exact enough to stay the reference.
void group_moments(DType type, int64_t numel, Groups gr, const void* x_in, void* mean, void* var) {
  dispatch_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(x_in);
    int64_t size = numel / gr.count;
    for_each_group(gr.count, size, [&](int64_t g) {
      double s = 0, q = 0;
      for (int64_t k = 0; k < size; ++k) s += double(x[gr.element(g, k)]);
      double m = s / double(size);
      for (int64_t k = 0; k < size; ++k) {
        double d = double(x[gr.element(g, k)]) - m;
        q += d * d;
      }
      static_cast<T*>(mean)[g] = T(m);
      static_cast<T*>(var)[g] = T(q / double(size));
    });
  });
}

void norm_forward(DType type, const NormArgs& a, void* y) {
  dispatch_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(a.numel, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) static_cast<T*>(y)[i] = norm_forward_at<T>(a, i);
    });
  });
}

void norm_grad_sums(DType type, const NormArgs& a, Groups over, const void* dy_in, void* sum_wdy,
                    void* sum_wdy_xhat) {
  dispatch_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* dy = static_cast<const T*>(dy_in);
    int64_t size = a.numel / over.count;
    for_each_group(over.count, size, [&](int64_t g) {
      double s = 0, q = 0;
      for (int64_t k = 0; k < size; ++k) {
        int64_t i = over.element(g, k);
        double v = double(weight_at<T>(a, i)) * double(dy[i]);
        s += v;
        q += v * double(xhat_at<T>(a, i));
      }
      static_cast<T*>(sum_wdy)[g] = T(s);
      static_cast<T*>(sum_wdy_xhat)[g] = T(q);
    });
  });
}

void norm_backward(DType type, const NormArgs& a, const void* dy, const void* mean_wdy,
                   const void* mean_wdy_xhat, void* dx) {
  dispatch_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(a.numel, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        static_cast<T*>(dx)[i] =
            norm_backward_at<T>(a, static_cast<const T*>(dy), static_cast<const T*>(mean_wdy),
                                static_cast<const T*>(mean_wdy_xhat), i);
    });
  });
}

}  // namespace tessel::kernels::cpu
