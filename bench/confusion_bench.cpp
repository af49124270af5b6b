// Confusion matrix of a Cityscapes-sized batch (19 classes): from label maps, and from logits with
// the argmax fused in. The kernel must read its inputs once and writes next to nothing, so the
// floor is the input bytes ("floor_bytes"); bytes/s is that floor over the measured time.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_confusion(benchmark::State& st, Device d, DType pred_type) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t c = 19, n = st.range(0), h = st.range(1), w = st.range(2);
  Shape maps{n, h, w};
  Generator g(1);
  Tensor target = (rand(maps, {DType::F32, d}, &g) * double(c)).to(DType::U8);
  Tensor pred = is_floating(pred_type)
                    ? randn({n, c, h, w}, {pred_type, d}, &g)
                    : (rand(maps, {DType::F32, d}, &g) * double(c)).to(pred_type);
  ConfusionMatrix cm(c, d);
  auto fn = [&] { cm.update(pred, target); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  double floor = double(pred.numel() * int64_t(pred.element_size()) + target.numel());
  set_rates(st, floor);
  st.counters["floor_bytes"] = floor;
}

BENCHMARK_CAPTURE(BM_confusion, labels_cpu_u8, kCPU, DType::U8)
    ->Args({2, 256, 512})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_confusion, logits_cpu_f32, kCPU, DType::F32)
    ->Args({2, 256, 512})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_confusion, labels_CUDA_u8, cuda_device(0), DType::U8)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_confusion, logits_CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_confusion, logits_CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
