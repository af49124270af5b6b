// conv2d forward and forward+backward, 3x3 C -> C channels at stride 1 on [N, C, HW, HW]: a
// segmentation-sized layer (64 channels, 128x128) and the four levels of the small UNet's
// training step (batch 16 at 96x96: 16 to 128 channels as the maps halve). FLOPs: 2 N C C 9 HW^2
// forward, three times that with both backward products.
#include "bench/bench_util.h"
#include "engine/ops/conv.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_conv2d(benchmark::State& st, Device d, DType t, bool backward) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), c = st.range(1), hw = st.range(2);
  Generator g(1);
  Tensor x = randn({n, c, hw, hw}, {t, d}, &g).requires_grad_();
  Tensor w = (randn({c, c, 3, 3}, {t, d}, &g) * 0.05).detach().requires_grad_();
  // The backward pass starts from a ready gradient, as it does inside a network (a sum's would
  // be a broadcast that the convolution's backward first copies).
  Tensor dy = randn({n, c, hw, hw}, {t, d}, &g);
  auto fn = [&] {
    if (backward) {
      conv2d(x, w, Tensor(), {1, 1}, {1, 1}).backward(dy);
    } else {
      NoGradGuard ng;
      benchmark::DoNotOptimize(conv2d(x, w, Tensor(), {1, 1}, {1, 1}).data_ptr());
    }
  };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  double flops = 2.0 * double(n * c * c * 9 * hw * hw) * (backward ? 3 : 1);
  set_rates(st, 2.0 * double(n * c * hw * hw) * double(element_size(t)), flops);
}

static void cpu_shapes(benchmark::internal::Benchmark* b) {
  b->Args({2, 64, 128})->Args({16, 16, 96})->Args({16, 32, 48})->Args({16, 64, 24});
  b->Args({16, 128, 12})->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_conv2d, fwd_cpu_f32, kCPU, DType::F32, false)->Apply(cpu_shapes);
BENCHMARK_CAPTURE(BM_conv2d, fwd_bwd_cpu_f32, kCPU, DType::F32, true)->Apply(cpu_shapes);
BENCHMARK_CAPTURE(BM_conv2d, fwd_CUDA_f32, cuda_device(0), DType::F32, false)
    ->Args({8, 64, 128})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_conv2d, fwd_CUDA_bf16, cuda_device(0), DType::BF16, false)
    ->Args({8, 64, 128})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_conv2d, fwd_bwd_CUDA_f32, cuda_device(0), DType::F32, true)
    ->Args({8, 64, 128})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_conv2d, fwd_bwd_CUDA_bf16, cuda_device(0), DType::BF16, true)
    ->Args({8, 64, 128})
    ->UseManualTime();

BENCHMARK_MAIN();
