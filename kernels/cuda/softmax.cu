#include "kernels/cuda/warp.cuh"
#include "kernels/softmax.h"

namespace tessel::kernels {
namespace {

struct WarpGroup {
  int64_t first, step = kWarp;
  template <typename C>
  __device__ C max(C v) const {
    return warp_max(v);
  }
  template <typename C>
  __device__ C sum(C v) const {
    return warp_sum(v);
  }
};

// The forward and backward of one line at offset `at`, as functors: nvcc allows no __device__
// lambda inside the generic lambda of dispatch_types.
template <typename T>
struct ForwardLine {
  SoftmaxKind kind;
  T* y;
  const T* x;
  template <typename Group>
  __device__ void operator()(int64_t at, int64_t stride, int64_t n, const Group& g) const {
    softmax_line<acc_t<T>>(kind, y + at, x + at, stride, n, g);
  }
};

template <typename T>
struct BackwardLine {
  SoftmaxKind kind;
  T* dx;
  const T* dy;
  const T* y;
  template <typename Group>
  __device__ void operator()(int64_t at, int64_t stride, int64_t n, const Group& g) const {
    softmax_backward_line<acc_t<T>>(kind, dx + at, dy + at, y + at, stride, n, g);
  }
};

// inner == 1: each line is a contiguous row, read coalesced by a warp.
template <typename Line>
__global__ void rows_kernel(Line line, int64_t rows, int64_t n) {
  for_each_warp_row(rows, [&](int64_t r, int lane) { line(r * n, 1, n, WarpGroup{lane}); });
}

// inner > 1 (the channel dim of NCHW): a thread per line; neighbouring threads own neighbouring
// lines, so each step along the lines is still a coalesced read.
template <typename Line>
__global__ void columns_kernel(Line line, int64_t outer, int64_t n, int64_t inner) {
  TESSEL_GRID_STRIDE(l, outer * inner)
  line(l / inner * n * inner + l % inner, inner, n, SerialGroup{});
}

template <typename Line>
void launch_lines(Line line, int64_t outer, int64_t n, int64_t inner, const CudaContext& ctx) {
  if (outer * inner == 0) return;
  if (inner == 1) {
    rows_kernel<<<grid_for(ctx, outer * kWarp), kThreads, 0, ctx.stream>>>(line, outer, n);
  } else {
    columns_kernel<<<grid_for(ctx, outer * inner), kThreads, 0, ctx.stream>>>(line, outer, n,
                                                                              inner);
  }
  TESSEL_CUDA_LAUNCH_CHECK();
}

}  // namespace

void softmax(const CudaContext& ctx, SoftmaxKind kind, DType type, void* out, const void* in,
             int64_t outer, int64_t dim, int64_t inner) {
  dispatch_cuda_float(type, softmax_name(kind), [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_lines(ForwardLine<T>{kind, static_cast<T*>(out), static_cast<const T*>(in)}, outer, dim,
                 inner, ctx);
  });
}

void softmax_backward(const CudaContext& ctx, SoftmaxKind kind, DType type, void* grad_in,
                      const void* grad_out, const void* out, int64_t outer, int64_t dim,
                      int64_t inner) {
  dispatch_cuda_float(type, softmax_name(kind), [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_lines(BackwardLine<T>{kind, static_cast<T*>(grad_in), static_cast<const T*>(grad_out),
                                 static_cast<const T*>(out)},
                 outer, dim, inner, ctx);
  });
}

}  // namespace tessel::kernels
