// conv2d forward and forward+backward on a segmentation-sized layer: 64 -> 64 channels, 3x3,
// 128x128 maps. FLOPs: 2 N O C 9 H W forward, three times that with both backward products.
#include "bench/bench_util.h"
#include "engine/ops/conv.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_conv2d(benchmark::State& st, Device d, DType t, bool backward) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), c = 64, hw = 128;
  Generator g(1);
  Tensor x = randn({n, c, hw, hw}, {t, d}, &g).requires_grad_();
  Tensor w = (randn({c, c, 3, 3}, {t, d}, &g) * 0.05).detach().requires_grad_();
  auto fn = [&] {
    if (backward) {
      sum(conv2d(x, w, Tensor(), {1, 1}, {1, 1})).backward();
    } else {
      NoGradGuard ng;
      benchmark::DoNotOptimize(conv2d(x, w, Tensor(), {1, 1}, {1, 1}).data_ptr());
    }
  };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  double flops = 2.0 * double(n * c * c * 9 * hw * hw) * (backward ? 3 : 1);
  set_rates(st, 2.0 * double(n * c * hw * hw) * double(element_size(t)), flops);
}

BENCHMARK_CAPTURE(BM_conv2d, fwd_cpu_f32, kCPU, DType::F32, false)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_conv2d, fwd_bwd_cpu_f32, kCPU, DType::F32, true)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_conv2d, fwd_CUDA_f32, cuda_device(0), DType::F32, false)
    ->Arg(8)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_conv2d, fwd_CUDA_bf16, cuda_device(0), DType::BF16, false)
    ->Arg(8)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_conv2d, fwd_bwd_CUDA_f32, cuda_device(0), DType::F32, true)
    ->Arg(8)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_conv2d, fwd_bwd_CUDA_bf16, cuda_device(0), DType::BF16, true)
    ->Arg(8)
    ->UseManualTime();

BENCHMARK_MAIN();
