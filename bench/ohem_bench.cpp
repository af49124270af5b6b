// OHEM cross-entropy (thresh 0.7, at least an eighth of each image kept, 255 ignored), forward +
// backward, on [n, 19, hw, hw] logits and u8 labels. The floor (bench_util.h's run_loss): the
// forward reads logits and labels, the backward reads them again and writes the logits' gradient;
// the sort of the true-class probabilities is not in it.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_ohem(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), hw = st.range(1);
  Tensor x = logits(d, t, n, hw).requires_grad_();
  Tensor y = labels(d, DType::U8, n, hw);
  run_loss(st, d, x, y, [&] { return ohem_cross_entropy(x, y, {0.7, hw * hw / 8, 255, {}}); });
}

BENCHMARK_CAPTURE(BM_ohem, cpu_f32, kCPU, DType::F32)->Args({2, 64})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ohem, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ohem, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
