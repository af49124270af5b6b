#include "kernels/index.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {
template <typename Fn>
void dispatch_index(DType t, const Fn& fn) {
  dispatch_types<int64_t, int32_t>(t, "index", fn);
}
// Over plan {a, index, b}: gather a[off0] = b[off2 + index * stride]; scatter, the same map the
// other way, b[off2 + index * stride] = a[off0] (dst is the gather's out or the scatter's b).
template <bool Scatter>
void move_along_index(const char* what, const StridedPlan<3>& p, const IndexDim& d, DType type,
                      DType index_type, const void* index, void* dst, const void* src) {
  dispatch_all(type, what, [&](auto t) {
    using T = typename decltype(t)::type;
    dispatch_index(index_type, [&](auto it) {
      using I = typename decltype(it)::type;
      const I* ix = static_cast<const I*>(index);
      T* to = static_cast<T*>(dst);
      const T* from = static_cast<const T*>(src);
      parallel_strided(p, [&](int64_t, const int64_t* off) {
        int64_t at = off[2] + int64_t(ix[off[1]]) * d.src_stride;
        if constexpr (Scatter)
          to[at] = from[off[0]];
        else
          to[off[0]] = from[at];
      });
    });
  });
}

}  // namespace

void index_gather(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                  void* out, DType index_type, const void* index, const void* src) {
  move_along_index<false>("index_gather", p, d, type, index_type, index, out, src);
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

void index_scatter(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                   const void* grad_out, DType index_type, const void* index, void* grad_src) {
  move_along_index<true>("index_scatter", p, d, type, index_type, index, grad_src, grad_out);
}

}  // namespace tessel::kernels
