// Lovasz-softmax on softmax(logits) (per batch, present classes, 255 ignored), forward + backward,
// on [n, 19, hw, hw] logits and u8 labels. The floor (bench_util.h's run_loss): the forward reads
// logits and labels, the backward reads them again and writes the logits' gradient; the per-class
// sorts of the errors are not in it.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_lovasz(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1)).requires_grad_();
  Tensor y = labels(d, DType::U8, st.range(0), st.range(1));
  run_loss(st, d, x, y, [&] { return lovasz_softmax(softmax(x, 1), y, {false, true, 255}); });
}

BENCHMARK_CAPTURE(BM_lovasz, cpu_f32, kCPU, DType::F32)
    ->Args({2, 64})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_lovasz, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 256})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
