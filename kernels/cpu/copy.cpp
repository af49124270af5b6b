#include "kernels/copy.h"

#include <cstring>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

void copy(const CpuContext&, const StridedPlan<2>& p, DType dst_type, void* dst, DType src_type,
          const void* src) {
  if (dst_type == src_type && p.contiguous()) {
    size_t bytes = size_t(p.numel) * element_size(dst_type);
    parallel_for(int64_t(bytes), kGrain * 8, [&](int64_t b, int64_t e) {
      std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, size_t(e - b));
    });
    return;
  }
  dispatch_all(dst_type, "copy", [&](auto dt) {
    using D = typename decltype(dt)::type;
    dispatch_all(src_type, "copy", [&](auto st) {
      using S = typename decltype(st)::type;
      D* d = static_cast<D*>(dst);
      const S* s = static_cast<const S*>(src);
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        d[off[0]] = static_cast<D>(static_cast<acc_t<S>>(s[off[1]]));
      });
    });
  });
}

void fill(const CpuContext&, const StridedPlan<1>& p, DType type, void* dst, double value) {
  dispatch_all(type, "fill", [&](auto t) {
    using T = typename decltype(t)::type;
    T v = static_cast<T>(static_cast<acc_t<T>>(value));
    T* d = static_cast<T*>(dst);
    parallel_strided(p, [&](int64_t, const int64_t* off) { d[off[0]] = v; });
  });
}

void arange(const CpuContext&, DType type, void* out, int64_t n, double start, double step) {
  dispatch_all(type, "arange", [&](auto t) {
    using T = typename decltype(t)::type;
    T* o = static_cast<T*>(out);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        o[i] = static_cast<T>(static_cast<acc_t<T>>(start + double(i) * step));
    });
  });
}

}  // namespace tessel::kernels
