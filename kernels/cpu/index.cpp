#include "kernels/index.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {
template <typename Fn>
void dispatch_index(DType t, const Fn& fn) {
  dispatch_types<int64_t, int32_t>(t, "index", fn);
}
}  // namespace

void index_gather(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                  void* out, DType index_type, const void* index, const void* src) {
  dispatch_all(type, "index_gather", [&](auto t) {
    using T = typename decltype(t)::type;
    dispatch_index(index_type, [&](auto it) {
      using I = typename decltype(it)::type;
      T* o = static_cast<T*>(out);
      const I* ix = static_cast<const I*>(index);
      const T* s = static_cast<const T*>(src);
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        o[off[0]] = s[off[2] + int64_t(ix[off[1]]) * d.src_stride];
      });
    });
  });
}

void index_scatter_add(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                       const void* grad_out, DType index_type, const void* index, void* grad_src) {
  dispatch_float(type, "index_scatter_add", [&](auto t) {
    using T = typename decltype(t)::type;
    dispatch_index(index_type, [&](auto it) {
      using I = typename decltype(it)::type;
      const T* g = static_cast<const T*>(grad_out);
      const I* ix = static_cast<const I*>(index);
      T* gs = static_cast<T*>(grad_src);
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        for (int64_t k = 0; k < d.k; ++k)
          gs[off[2] + int64_t(ix[off[1] + k * d.index_k_stride]) * d.src_stride] +=
              g[off[0] + k * d.out_k_stride];
      });
    });
  });
}

}  // namespace tessel::kernels
