// Multi-class soft Dice (dice_loss), forward + backward, on [n, 19, hw, hw] logits and u8 labels
// (255 ignored). The floor (bench_util.h's run_loss): the forward reads logits and labels, the
// backward reads them again and writes the logits' gradient.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_dice(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1)).requires_grad_();
  Tensor y = labels(d, DType::U8, st.range(0), st.range(1));
  run_loss(st, d, x, y, [&] { return dice_loss(x, y, {.ignore_index = 255}); });
}

BENCHMARK_CAPTURE(BM_dice, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_dice, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_dice, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
