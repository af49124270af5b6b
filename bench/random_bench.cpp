// Counter-based random fills (Philox 4x32-10): randn and rand of n elements. The floor: the
// output written once (nothing is read).
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_random(benchmark::State& st, Device d, DType t, bool normal) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Shape shape{st.range(0)};
  Generator g(1);
  run(st, d, double(st.range(0)) * double(element_size(t)), [&] {
    return normal ? randn(shape, {t, d}, &g) : rand(shape, {t, d}, &g);
  });
}

BENCHMARK_CAPTURE(BM_random, randn_cpu_f32, kCPU, DType::F32, true)
    ->Arg(1 << 22)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_random, rand_cpu_f32, kCPU, DType::F32, false)
    ->Arg(1 << 22)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_random, randn_CUDA_f32, cuda_device(0), DType::F32, true)
    ->Arg(1 << 28)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_random, rand_CUDA_f32, cuda_device(0), DType::F32, false)
    ->Arg(1 << 28)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_random, randn_CUDA_bf16, cuda_device(0), DType::BF16, true)
    ->Arg(1 << 28)
    ->UseManualTime();

BENCHMARK_MAIN();
