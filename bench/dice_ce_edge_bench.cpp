// dice_ce_edge_loss forward + backward on [n, 19, h, w] logits and i64 labels (as PyTorch would
// hold them; bench/compare_torch.py times the same loss written with torch ops). The fused pass
// reads the logits and labels, the backward pass reads them again and writes the gradient: the
// floor is those bytes, each moved once per pass, 2 * (logits + labels) + grad, reported as
// "floor_bytes" and as the bytes/s rate. The edge window's label reads and the second read of a
// pixel's logits within a pass are meant to hit the cache.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_dice_ce_edge(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), c = 19, h = st.range(1), w = st.range(2);
  Generator g(1);
  Tensor x = randn({n, c, h, w}, {t, d}, &g).requires_grad_();
  Tensor y = (rand({n, h, w}, {DType::F32, d}, &g) * double(c - 1)).to(DType::I64);
  DiceCEEdgeOptions o{1, 1, 1, 3, 255, 1, 1e-5};  // compare_torch.py's weights
  auto fn = [&] {
    x.set_grad(Tensor());
    dice_ce_edge_loss(x, y, o).backward();
    benchmark::DoNotOptimize(x.grad().data_ptr());
  };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  double logits = double(x.numel()) * double(element_size(t));
  double floor = 2 * (logits + double(y.numel()) * double(y.element_size())) + logits;
  st.counters["floor_bytes"] = floor;
  set_rates(st, floor);
}

BENCHMARK_CAPTURE(BM_dice_ce_edge, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128, 256})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_dice_ce_edge, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_dice_ce_edge, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
