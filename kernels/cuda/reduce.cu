#include "kernels/cuda/warp.cuh"
#include "kernels/reduce.h"

namespace tessel::kernels {
namespace {

// One warp per piece of a row (kernels/reduce.h's reduce_split). With one piece per row the warp
// finishes the row itself, both of Var's rounds included; otherwise it leaves a partial.
template <typename T, typename A>
__global__ void reduce_pieces_kernel(ReduceOp op, double correction, RowSplit split, T* out,
                                     A* partials, const A* means, const T* in, RowLayout l) {
  const int64_t inner = l.inner;
  for_each_warp_row(l.outer * split.parts, [&](int64_t w, int lane) {
    int64_t r = w / split.parts, part = w % split.parts;
    int64_t begin = split.begin(part), end = split.end(part, inner);
    A acc = warp_sum(lane_sum<A>(in, l, r, begin, end, lane, means ? means + r : nullptr));
    if (split.parts > 1) {
      if (lane == 0) partials[w] = acc;
      return;
    }
    if constexpr (std::is_floating_point_v<A>) {
      if (is_spread(op)) {  // every lane holds the sum, so the second round starts at once
        A mean = acc / A(inner);
        acc = warp_sum(lane_sum<A>(in, l, r, 0, inner, lane, &mean));
      }
    }
    if (lane == 0) out[r] = T(acc_t<T>(finish_reduce(op, acc, inner, correction)));
  });
}

// One warp per row over its partials: the row's result, or with `means` the mean that Var's
// second round needs.
template <typename T, typename A>
__global__ void reduce_partials_kernel(ReduceOp op, double correction, int64_t parts, T* out,
                                       A* means, const A* partials, int64_t outer, int64_t inner) {
  const RowLayout rows{outer, parts, parts};
  for_each_warp_row(outer, [&](int64_t r, int lane) {
    A acc = warp_sum(lane_sum<A>(partials, rows, r, 0, parts, lane, (const A*)nullptr));
    if (lane != 0) return;
    if (means)
      means[r] = acc / A(inner);
    else
      out[r] = T(acc_t<T>(finish_reduce(op, acc, inner, correction)));
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
                 const RowLayout& l, double correction) {
  const int64_t outer = l.outer, inner = l.inner;
  if (outer == 0) return;
  dispatch_types<float, Half, BFloat16, double, int32_t, int64_t>(type, "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_integral_v<T>, int64_t,
                                 std::conditional_t<std::is_same_v<T, double>, double, float>>;
    auto* o = static_cast<T*>(out);
    const auto* x = static_cast<const T*>(in);
    const RowSplit split = reduce_split(outer, inner);
    auto pieces = [&](A* partials, const A* means) {
      reduce_pieces_kernel<T, A>
          <<<grid_for(ctx, outer * split.parts * kWarp), kThreads, 0, ctx.stream>>>(
              op, correction, split, o, partials, means, x, l);
      TESSEL_CUDA_LAUNCH_CHECK();
    };
    if (split.parts == 1) return pieces(nullptr, nullptr);
    // Partials, then (for Var and Std) the row means, in the workspace.
    auto* partials = static_cast<A*>(ctx.workspace(size_t(outer * (split.parts + 1)) * sizeof(A)));
    A* means = partials + outer * split.parts;
    auto combine = [&](A* to_means) {
      reduce_partials_kernel<T, A><<<grid_for(ctx, outer * kWarp), kThreads, 0, ctx.stream>>>(
          op, correction, split.parts, o, to_means, partials, outer, inner);
      TESSEL_CUDA_LAUNCH_CHECK();
    };
    pieces(partials, nullptr);
    if (is_spread(op) && std::is_floating_point_v<A>) {
      combine(means);
      pieces(partials, means);
    }
    combine(nullptr);
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
