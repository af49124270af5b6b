// Sigmoid focal loss (alpha 0.25, gamma 2, mean), forward + backward, on [n, 1, hw, hw] logits
// against a 0/1 target of the logits' dtype. The floor (bench_util.h's run_loss): the forward
// reads logits and target, the backward reads them again and writes the logits' gradient. The op
// is composed of elementwise ops and BCE, so it moves several times that.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_focal(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  auto [x, y] = binary_logits(d, t, st.range(0), st.range(1));
  run_loss(st, d, x, y, [&] { return focal_loss(x, y, {.reduction = Reduction::Mean}); });
}

BENCHMARK_CAPTURE(BM_focal, cpu_f32, kCPU, DType::F32)
    ->Args({2, 256})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_focal, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_focal, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
