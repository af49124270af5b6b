#include "kernels/cuda/launch.cuh"
#include "kernels/optim.h"

namespace tessel::kernels {
namespace {

// One block per chunk; consecutive threads take consecutive elements (coalesced).
template <typename Step>
__global__ void optim_kernel(const OptimTensor* tensors, int64_t n, Step step) {
  int64_t begin, end;
  const OptimTensor t = optim_chunk(tensors, n, int64_t(blockIdx.x), begin, end);  // in registers
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) step(t, i);
}

// Step<T> over the whole list in one launch.
template <template <typename> class Step, typename Hyper>
void run(DType type, const char* what, const Hyper& h, const OptimTensor* tensors, int64_t n,
         int64_t chunks, const CudaContext& ctx) {
  if (chunks == 0) return;
  TESSEL_CHECK(chunks <= INT32_MAX, what, ": ", chunks, " chunks exceed a grid");
  dispatch_cuda_float(type, what, [&](auto tag) {
    using S = Step<typename decltype(tag)::type>;
    optim_kernel<S><<<grid_blocks(chunks, "optim"), 512, 0, ctx.stream>>>(tensors, n, S{h});
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace

void sgd_step(const CudaContext& ctx, DType type, const SgdHyper& h, const OptimTensor* tensors,
              int64_t n, int64_t chunks) {
  run<SgdStep>(type, "sgd_step", h, tensors, n, chunks, ctx);
}

void adam_step(const CudaContext& ctx, DType type, const AdamHyper& h, const OptimTensor* tensors,
               int64_t n, int64_t chunks) {
  if (h.partial == 0.5)
    run<AdamStep>(type, "adam_step", h, tensors, n, chunks, ctx);
  else
    run<PadamStep>(type, "adam_step", h, tensors, n, chunks, ctx);
}

}  // namespace tessel::kernels
