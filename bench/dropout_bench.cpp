// Dropout (p = 0.1) in training mode, forward only, on [n, 19, hw, hw] logits. The floor: the input
// read once and the output written once. The mask is counter-based (Philox), so the floor leaves
// it out, though Tessel writes one byte per element of it for the backward and reads it back.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_dropout(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Generator g(7);
  run(st, d, 2 * nbytes(x), [&] { return dropout(x, 0.1, true, &g); });
}

BENCHMARK_CAPTURE(BM_dropout, train_cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_dropout, train_CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_dropout, train_CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
