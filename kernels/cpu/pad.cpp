#include "kernels/pad.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

void pad(const CpuContext&, const PadGeom& g, DType type, void* out, const void* in, double value) {
  dispatch_all(type, "pad", [&](auto t) {
    using T = typename decltype(t)::type;
    T v = static_cast<T>(static_cast<acc_t<T>>(value));
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    parallel_for(g.out_numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = g.forward_at(x, i, v);
    });
  });
}

void pad_backward(const CpuContext&, const PadGeom& g, DType type, void* grad_in,
                  const void* grad_out) {
  dispatch_float(type, "pad_backward", [&](auto t) {
    using T = typename decltype(t)::type;
    T* gi = static_cast<T*>(grad_in);
    const T* go = static_cast<const T*>(grad_out);
    parallel_for(g.in_numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) gi[i] = static_cast<T>(g.backward_at(go, i));
    });
  });
}

}  // namespace tessel::kernels
