#include "kernels/optim.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// Runs Step<T> over every element of the list, chunks in parallel when there is enough work to
// pay for the threads.
template <template <typename> class Step, typename Hyper>
void run(DType type, const char* what, const Hyper& h, const OptimTensor* tensors, int64_t n,
         int64_t chunks) {
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) total += tensors[i].numel;
  dispatch_types<float, double, Half, BFloat16>(type, what, [&](auto tag) {
    Step<typename decltype(tag)::type> step{h};
#pragma omp parallel for schedule(static) if (total > kGrain)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t begin, end;
      const OptimTensor& t = optim_chunk(tensors, n, c, begin, end);
      // Parameter, gradient and state never overlap: without this, the aliasing checks for five
      // pointers exceed GCC's budget and the loop stays scalar.
#pragma GCC ivdep
      for (int64_t i = begin; i < end; ++i) step(t, i);
    }
  });
}

}  // namespace

void sgd_step(const CpuContext&, DType type, const SgdHyper& h, const OptimTensor* tensors,
              int64_t n, int64_t chunks) {
  run<SgdStep>(type, "sgd_step", h, tensors, n, chunks);
}

void adam_step(const CpuContext&, DType type, const AdamHyper& h, const OptimTensor* tensors,
               int64_t n, int64_t chunks) {
  if (h.partial == 0.5)
    run<AdamStep>(type, "adam_step", h, tensors, n, chunks);
  else
    run<PadamStep>(type, "adam_step", h, tensors, n, chunks);
}

}  // namespace tessel::kernels
