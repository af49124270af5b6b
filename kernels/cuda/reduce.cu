#include "kernels/cuda/warp.cuh"
#include "kernels/reduce.h"

namespace tessel::kernels {
namespace {

// One warp per row: rows of the sizes segmentation reduces (channels, pixels of one map) are
// long enough to keep a warp busy.
template <typename T, typename A>
__global__ void reduce_rows_kernel(ReduceOp op, double correction, T* out, const T* in,
                                   int64_t outer, int64_t inner) {
  for_each_warp_row(outer, [&](int64_t r, int lane) {
    const T* row = in + r * inner;
    A acc = 0;
    for (int64_t i = lane; i < inner; i += kWarp) acc += A(acc_t<T>(row[i]));
    acc = warp_sum(acc);
    if (op == ReduceOp::Mean) acc = inner ? A(acc / A(inner)) : A(0);
    if constexpr (std::is_floating_point_v<A>) {
      if (is_spread(op)) {  // every lane holds the sum, so the second pass starts at once
        A mean = acc / A(inner), squares = 0;
        for (int64_t i = lane; i < inner; i += kWarp) {
          A d = A(acc_t<T>(row[i])) - mean;
          squares += d * d;
        }
        acc = finish_spread(op, warp_sum(squares), inner, correction);
      }
    }
    if (lane == 0) out[r] = T(acc_t<T>(acc));
  });
}

template <typename T, typename C>
__global__ void arg_reduce_rows_kernel(ArgReduceOp op, T* values, int64_t* indices, const T* in,
                                       int64_t outer, int64_t inner) {
  for_each_warp_row(outer, [&](int64_t r, int lane) {
    const T* row = in + r * inner;
    // A lane past the end of a short row starts from element 0, a real candidate, so it needs no
    // neutral value.
    int64_t at = lane < inner ? lane : 0;
    C best = C(row[at]);
    for (int64_t i = lane + kWarp; i < inner; i += kWarp)
      if (arg_better(op, C(row[i]), i, best, at)) best = C(row[i]), at = i;
    for (int s = kWarp / 2; s > 0; s /= 2) {
      C v = __shfl_xor_sync(0xffffffffu, best, s);
      int64_t j = __shfl_xor_sync(0xffffffffu, at, s);
      if (arg_better(op, v, j, best, at)) best = v, at = j;
    }
    if (lane == 0) {
      indices[r] = at;
      if (values) values[r] = row[at];
    }
  });
}

}  // namespace

void reduce_rows(const CudaContext& ctx, ReduceOp op, DType type, void* out, const void* in,
                 int64_t outer, int64_t inner, double correction) {
  if (outer == 0) return;
  dispatch_types<float, Half, BFloat16, double, int32_t, int64_t>(type, "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_integral_v<T>, int64_t,
                                 std::conditional_t<std::is_same_v<T, double>, double, float>>;
    reduce_rows_kernel<T, A><<<grid_for(ctx, outer * kWarp), kThreads, 0, ctx.stream>>>(
        op, correction, static_cast<T*>(out), static_cast<const T*>(in), outer, inner);
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void arg_reduce_rows(const CudaContext& ctx, ArgReduceOp op, DType type, void* values,
                     int64_t* indices, const void* in, int64_t outer, int64_t inner) {
  if (outer == 0) return;
  dispatch_all(type, "arg_reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    arg_reduce_rows_kernel<T, compare_t<T>>
        <<<grid_for(ctx, outer * kWarp), kThreads, 0, ctx.stream>>>(
            op, static_cast<T*>(values), indices, static_cast<const T*>(in), outer, inner);
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace tessel::kernels
