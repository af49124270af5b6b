#include "kernels/cuda/launch.cuh"
#include "kernels/index.h"

namespace tessel::kernels {
namespace {

template <typename Fn>
void dispatch_index(DType t, Fn&& fn) {
  dispatch_types<int64_t, int32_t>(t, "index", std::forward<Fn>(fn));
}

// Over plan {a, index, b}: gather a[off0] = b[off2 + index * stride]; scatter, the same map the
// other way, b[off2 + index * stride] = a[off0].
template <typename T, typename I, bool Scatter>
struct MoveFn {
  T* to;
  const I* index;
  const T* from;
  int64_t src_stride;
  __device__ void operator()(int64_t, const int64_t* off) const {
    int64_t at = off[2] + int64_t(index[off[1]]) * src_stride;
    if constexpr (Scatter)
      to[at] = from[off[0]];
    else
      to[off[0]] = from[at];
  }
};

template <bool Scatter>
void move_along_index(const char* what, const CudaContext& ctx, const StridedPlan<3>& p,
                      const IndexDim& d, DType type, DType index_type, const void* index, void* dst,
                      const void* src) {
  dispatch_all(type, what, [&](auto t) {
    using T = typename decltype(t)::type;
    dispatch_index(index_type, [&](auto it) {
      using I = typename decltype(it)::type;
      launch_strided(p, ctx,
                     MoveFn<T, I, Scatter>{static_cast<T*>(dst), static_cast<const I*>(index),
                                           static_cast<const T*>(src), d.src_stride});
    });
  });
}

// One thread per column, its entries in order: deterministic, no atomics (see index.h).
template <typename T, typename I>
struct ScatterAddFn {
  const T* grad_out;
  const I* index;
  acc_t<T>* grad_src;
  IndexDim d;
  __device__ void operator()(int64_t, const int64_t* off) const {
    for (int64_t k = 0; k < d.k; ++k)
      grad_src[off[2] + int64_t(index[off[1] + k * d.index_k_stride]) * d.src_stride] +=
          static_cast<acc_t<T>>(grad_out[off[0] + k * d.out_k_stride]);
  }
};

}  // namespace

void index_gather(const CudaContext& ctx, const StridedPlan<3>& p, const IndexDim& d, DType type,
                  void* out, DType index_type, const void* index, const void* src) {
  move_along_index<false>("index_gather", ctx, p, d, type, index_type, index, out, src);
}

void index_scatter(const CudaContext& ctx, const StridedPlan<3>& p, const IndexDim& d, DType type,
                   const void* grad_out, DType index_type, const void* index, void* grad_src) {
  move_along_index<true>("index_scatter", ctx, p, d, type, index_type, index, grad_src, grad_out);
}

void index_scatter_add(const CudaContext& ctx, const StridedPlan<3>& p, const IndexDim& d,
                       DType type, const void* grad_out, DType index_type, const void* index,
                       void* grad_src) {
  dispatch_cuda_float(type, "index_scatter_add", [&](auto t) {
    using T = typename decltype(t)::type;
    dispatch_index(index_type, [&](auto it) {
      using I = typename decltype(it)::type;
      launch_strided(
          p, ctx,
          ScatterAddFn<T, I>{static_cast<const T*>(grad_out), static_cast<const I*>(index),
                             static_cast<acc_t<T>*>(grad_src), d});
    });
  });
}

}  // namespace tessel::kernels
