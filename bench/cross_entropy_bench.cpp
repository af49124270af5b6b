// Fused softmax cross-entropy, forward + backward, on Cityscapes-sized logits. floor_bytes is
// what must move: the forward reads logits and labels once and writes one f32 lse per pixel;
// the backward reads logits, labels and lse and writes the logit gradient. bytes/s is that floor
// over the measured time, so it reads directly against the device's copy bandwidth.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_cross_entropy(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), c = 19, h = st.range(1), w = st.range(2);
  Generator g(1);
  Tensor x = randn({n, c, h, w}, {t, d}, &g).requires_grad_();
  Tensor y = randint(0, c, {n, h, w}, {DType::U8, d}, &g);
  CrossEntropyOptions o;
  o.ignore_index = 255;
  auto fn = [&] {
    x.set_grad(Tensor());
    cross_entropy(x, y, o).backward();
  };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  double logits = double(x.numel()) * double(element_size(t)), pixels = double(n * h * w);
  double floor = (logits + pixels + 4 * pixels) + (2 * logits + pixels + 4 * pixels);
  st.counters["floor_bytes"] = floor;
  set_rates(st, floor);
}

BENCHMARK_CAPTURE(BM_cross_entropy, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128, 256})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_cross_entropy, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_cross_entropy, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
