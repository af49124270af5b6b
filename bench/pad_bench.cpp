// Reflect padding by 2 on each side of [n, 19, hw, hw] logits. The floor: the input read once and
// the padded output written once.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_reflect_pad(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Tensor y = pad(x, {2, 2, 2, 2}, PadMode::Reflect);
  double bytes = double((x.numel() + y.numel()) * int64_t(x.element_size()));
  run(st, d, bytes, [&] { return pad(x, {2, 2, 2, 2}, PadMode::Reflect); });
}

}  // namespace

BENCHMARK_CAPTURE(BM_reflect_pad, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_reflect_pad, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
