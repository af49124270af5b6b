// Knowledge distillation (temperature 2, pixel mean), forward + backward into the student, on
// [n, 19, hw, hw] student and teacher logits. The floor (bench_util.h's run_loss, the teacher as
// the target): the forward reads both, the backward reads both again and writes the student's
// gradient.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_kd(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor s = logits(d, t, st.range(0), st.range(1)).requires_grad_();
  Generator g(2);
  Tensor teacher = randn(s.sizes(), {t, d}, &g);
  run_loss(st, d, s, teacher, [&] { return kd_loss(s, teacher, {2.0}); });
}

BENCHMARK_CAPTURE(BM_kd, cpu_f32, kCPU, DType::F32)->Args({2, 64})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_kd, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_kd, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
