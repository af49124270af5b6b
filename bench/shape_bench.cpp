// cat of two feature maps along the channels, as a decoder joins a skip connection to the
// upsampled features (DeepLabV3+: 256 + 48 channels at a quarter of the image). The floor: both
// inputs read once and the output written once, 2 * (a + b).
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_cat(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), hw = st.range(1);
  Generator g(1);
  Tensor a = randn({n, 256, hw, hw}, {t, d}, &g), b = randn({n, 48, hw, hw}, {t, d}, &g);
  run(st, d, 2 * (nbytes(a) + nbytes(b)), [&] { return cat({a, b}, 1); });
}

BENCHMARK_CAPTURE(BM_cat, channels_cpu_f32, kCPU, DType::F32)
    ->Args({2, 64})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_cat, channels_CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 128})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_cat, channels_CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 128})
    ->UseManualTime();

BENCHMARK_MAIN();
