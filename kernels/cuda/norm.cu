#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/warp.cuh"
#include "kernels/norm.h"

namespace tessel::kernels {
namespace {

// Elements first, first + step, ... below end of group g: their sum, or with `mean` the sum of
// their squared deviations from it.
template <typename T>
__device__ param_t<T> strided_sum(const T* x, Groups gr, int64_t g, int64_t first, int64_t end,
                                  int64_t step, const param_t<T>* mean) {
  using P = param_t<T>;
  P acc = 0;
  for (int64_t k = first; k < end; k += step) {
    P v = P(acc_t<T>(x[gr.element(g, k)]));
    if (mean) v = (v - *mean) * (v - *mean);
    acc += v;
  }
  return acc;
}

// Block b takes piece b % parts of group b / parts. A group in one piece gets both passes
// (mean, then squared deviations) here; otherwise the block leaves the piece's sum in
// `partials`, of the values or (given `means`) of their squared deviations.
template <typename T>
__global__ void moments_kernel(int64_t size, Groups gr, RowSplit split, const T* x,
                               param_t<T>* mean, param_t<T>* var, param_t<T>* partials,
                               const param_t<T>* means) {
  using P = param_t<T>;
  int64_t g = blockIdx.x / split.parts, part = blockIdx.x % split.parts;
  int64_t begin = split.begin(part), end = split.end(part, size);
  P v[1] = {
      strided_sum(x, gr, g, begin + threadIdx.x, end, blockDim.x, means ? means + g : nullptr)};
  block_sum(v);
  if (split.parts > 1) {
    if (threadIdx.x == 0) partials[blockIdx.x] = v[0];
    return;
  }
  P m = v[0] / P(size);
  v[0] = strided_sum(x, gr, g, threadIdx.x, size, blockDim.x, &m);
  block_sum(v);
  if (threadIdx.x == 0) mean[g] = m, var[g] = v[0] / P(size);
}

// Small groups (norm_warp_per_group: layer norm's rows) get a warp each, both passes.
template <typename T>
__global__ void warp_moments_kernel(int64_t size, Groups gr, const T* x, param_t<T>* mean,
                                    param_t<T>* var) {
  using P = param_t<T>;
  for_each_warp_row(gr.count, [&](int64_t g, int lane) {
    P m = warp_sum(strided_sum(x, gr, g, lane, size, kWarp, (const P*)nullptr)) / P(size);
    P v = warp_sum(strided_sum(x, gr, g, lane, size, kWarp, &m));
    if (lane == 0) mean[g] = m, var[g] = v / P(size);
  });
}

// Per group: out[j][g] = (the sum of its pieces' partials[j], in piece order) / divisor.
template <typename P, int N>
struct CombineFn {
  const P* partials;  // [groups * parts][N]
  int64_t parts;
  P divisor;
  P* out[N];
  __device__ void operator()(int64_t g) const {
    for (int j = 0; j < N; ++j) {
      P acc = 0;
      for (int64_t p = 0; p < parts; ++p) acc += partials[(g * parts + p) * N + j];
      out[j][g] = acc / divisor;
    }
  }
};

// Adds w * dy and w * dy * xhat over elements first, first + step, ... below end of group g.
template <typename T>
__device__ void add_grad_terms(const NormArgs& a, Groups over, const T* dy, int64_t g,
                               int64_t first, int64_t end, int64_t step, param_t<T> (&v)[2]) {
  using P = param_t<T>;
  for (int64_t k = first; k < end; k += step) {
    int64_t i = over.element(g, k);
    P w = weight_at<T>(a, i) * P(acc_t<T>(dy[i]));
    v[0] += w;
    v[1] += w * xhat_at<T>(a, i);
  }
}

template <typename T>
__global__ void grad_sums_kernel(NormArgs a, Groups over, RowSplit split, const T* dy,
                                 param_t<T>* sum_wdy, param_t<T>* sum_wdy_xhat,
                                 param_t<T>* partials) {
  using P = param_t<T>;
  int64_t g = blockIdx.x / split.parts, part = blockIdx.x % split.parts;
  int64_t size = a.numel / over.count;
  P v[2] = {0, 0};
  add_grad_terms(a, over, dy, g, split.begin(part) + threadIdx.x, split.end(part, size), blockDim.x,
                 v);
  block_sum(v);
  if (threadIdx.x != 0) return;
  if (split.parts > 1) {
    partials[2 * blockIdx.x] = v[0], partials[2 * blockIdx.x + 1] = v[1];
  } else {
    sum_wdy[g] = v[0], sum_wdy_xhat[g] = v[1];
  }
}

// Column groups (norm_by_columns): block b sums 32 columns over a chunk of rows, its 8 warps in
// row order, and leaves each column's chunk sums in partials[(col * chunks + chunk) * 2 + j].
template <typename T>
__global__ void column_grad_sums_kernel(NormArgs a, Groups over, RowSplit split, const T* dy,
                                        param_t<T>* partials) {
  using P = param_t<T>;
  __shared__ P part[2][kColumnRowLanes][kColumnTile];
  const int64_t rows = a.numel / over.count;
  const ColumnWalk c = column_walk(split, rows, blockIdx.x, int(threadIdx.x));
  const int lane = int(threadIdx.x) % kColumnTile, row_lane = int(threadIdx.x) / kColumnTile;
  P v[2] = {0, 0};
  if (c.col < over.count) add_grad_terms(a, over, dy, c.col, c.first, c.end, kColumnRowLanes, v);
  part[0][row_lane][lane] = v[0];
  part[1][row_lane][lane] = v[1];
  __syncthreads();
  if (row_lane != 0 || c.col >= over.count) return;
  const int64_t chunk = blockIdx.x % split.parts;
  for (int j = 0; j < 2; ++j) {
    P acc = 0;
    for (int r = 0; r < kColumnRowLanes; ++r) acc += part[j][r][lane];
    partials[(c.col * split.parts + chunk) * 2 + j] = acc;
  }
}

template <typename T>
__global__ void warp_grad_sums_kernel(NormArgs a, Groups over, const T* dy, param_t<T>* sum_wdy,
                                      param_t<T>* sum_wdy_xhat) {
  using P = param_t<T>;
  int64_t size = a.numel / over.count;
  for_each_warp_row(over.count, [&](int64_t g, int lane) {
    P v[2] = {0, 0};
    add_grad_terms(a, over, dy, g, lane, size, kWarp, v);
    v[0] = warp_sum(v[0]), v[1] = warp_sum(v[1]);
    if (lane == 0) sum_wdy[g] = v[0], sum_wdy_xhat[g] = v[1];
  });
}

template <typename T>
struct ForwardFn {
  NormArgs a;
  T* y;
  __device__ void operator()(int64_t i) const { y[i] = norm_forward_at<T>(a, i); }
};

template <typename T>
struct BackwardFn {
  NormArgs a;
  const T* dy;
  const param_t<T>* mean_wdy;
  const param_t<T>* mean_wdy_xhat;
  T* dx;
  __device__ void operator()(int64_t i) const {
    dx[i] = norm_backward_at<T>(a, dy, mean_wdy, mean_wdy_xhat, i);
  }
};

}  // namespace

void group_moments(const CudaContext& ctx, DType type, int64_t numel, Groups gr, const void* x,
                   void* mean, void* var) {
  if (numel == 0) return;
  dispatch_cuda_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using P = param_t<T>;
    const int64_t size = numel / gr.count;
    if (norm_warp_per_group(size)) {
      warp_moments_kernel<T><<<grid_for(ctx, gr.count * kWarp), kThreads, 0, ctx.stream>>>(
          size, gr, static_cast<const T*>(x), static_cast<P*>(mean), static_cast<P*>(var));
      TESSEL_CUDA_LAUNCH_CHECK();
      return;
    }
    const RowSplit split = norm_split(gr.count, size);
    const unsigned blocks = grid_blocks(gr.count * split.parts, "norm");
    auto* m = static_cast<P*>(mean);
    auto* v = static_cast<P*>(var);
    P* partials = split.parts > 1
                      ? static_cast<P*>(ctx.workspace(size_t(gr.count * split.parts) * sizeof(P)))
                      : nullptr;
    auto pieces = [&](const P* means) {
      moments_kernel<T><<<blocks, kThreads, 0, ctx.stream>>>(
          size, gr, split, static_cast<const T*>(x), m, v, partials, means);
      TESSEL_CUDA_LAUNCH_CHECK();
    };
    pieces(nullptr);
    if (split.parts == 1) return;
    // Two rounds, as in one block: the means, then the squared deviations from them.
    launch_each(gr.count, ctx, CombineFn<P, 1>{partials, split.parts, P(size), {m}});
    pieces(m);
    launch_each(gr.count, ctx, CombineFn<P, 1>{partials, split.parts, P(size), {v}});
  });
}

void norm_forward(const CudaContext& ctx, DType type, const NormArgs& a, void* y) {
  dispatch_cuda_float(type, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(a.numel, ctx, ForwardFn<T>{a, static_cast<T*>(y)});
  });
}

void norm_grad_sums(const CudaContext& ctx, DType type, const NormArgs& a, Groups over,
                    const void* dy, void* sum_wdy, void* sum_wdy_xhat) {
  if (a.numel == 0) return;
  dispatch_cuda_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using P = param_t<T>;
    const int64_t size = a.numel / over.count;
    auto* s = static_cast<P*>(sum_wdy);
    auto* q = static_cast<P*>(sum_wdy_xhat);
    if (norm_by_columns(over)) {
      static_assert(kThreads == kColumnTile * kColumnRowLanes);
      const RowSplit split = column_split(over.count, size);
      const int64_t tiles = (over.count + kColumnTile - 1) / kColumnTile;
      auto* partials =
          static_cast<P*>(ctx.workspace(2 * size_t(over.count * split.parts) * sizeof(P)));
      column_grad_sums_kernel<T>
          <<<grid_blocks(tiles * split.parts, "norm backward"), kThreads, 0, ctx.stream>>>(
              a, over, split, static_cast<const T*>(dy), partials);
      TESSEL_CUDA_LAUNCH_CHECK();
      launch_each(over.count, ctx, CombineFn<P, 2>{partials, split.parts, P(1), {s, q}});
      return;
    }
    if (norm_warp_per_group(size)) {
      warp_grad_sums_kernel<T><<<grid_for(ctx, over.count * kWarp), kThreads, 0, ctx.stream>>>(
          a, over, static_cast<const T*>(dy), s, q);
      TESSEL_CUDA_LAUNCH_CHECK();
      return;
    }
    const RowSplit split = norm_split(over.count, size);
    P* partials =
        split.parts > 1
            ? static_cast<P*>(ctx.workspace(2 * size_t(over.count * split.parts) * sizeof(P)))
            : nullptr;
    grad_sums_kernel<T>
        <<<grid_blocks(over.count * split.parts, "norm backward"), kThreads, 0, ctx.stream>>>(
            a, over, split, static_cast<const T*>(dy), s, q, partials);
    TESSEL_CUDA_LAUNCH_CHECK();
    if (split.parts > 1)
      launch_each(over.count, ctx, CombineFn<P, 2>{partials, split.parts, P(1), {s, q}});
  });
}

void norm_backward(const CudaContext& ctx, DType type, const NormArgs& a, const void* dy,
                   const void* mean_wdy, const void* mean_wdy_xhat, void* dx) {
  dispatch_cuda_float(type, "norm backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using P = param_t<T>;
    launch_each(a.numel, ctx,
                BackwardFn<T>{a, static_cast<const T*>(dy), static_cast<const P*>(mean_wdy),
                              static_cast<const P*>(mean_wdy_xhat), static_cast<T*>(dx)});
  });
}

}  // namespace tessel::kernels
