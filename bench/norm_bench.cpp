// batch_norm in training mode: the statistics pass reads x, the normalisation pass reads x and
// writes y; the fewest bytes are one read and one write (2 x numel x element size), which is the
// roofline reported here.
#include "bench/bench_util.h"
#include "engine/ops/norm.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_batch_norm(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), c = 64, hw = 128;
  Generator g(1);
  Tensor x = randn({n, c, hw, hw}, {t, d}, &g);
  Tensor rm = zeros({c}, {t, d}), rv = ones({c}, {t, d});
  Tensor w = ones({c}, {t, d}), b = zeros({c}, {t, d});
  auto fn = [&] { benchmark::DoNotOptimize(batch_norm(x, rm, rv, w, b, true).data_ptr()); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, 2.0 * double(x.numel()) * double(element_size(t)));
}

BENCHMARK_CAPTURE(BM_batch_norm, train_cpu_f32, kCPU, DType::F32)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_batch_norm, train_CUDA_f32, cuda_device(0), DType::F32)
    ->Arg(8)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_batch_norm, train_CUDA_bf16, cuda_device(0), DType::BF16)
    ->Arg(8)
    ->UseManualTime();

BENCHMARK_MAIN();
