// Sums of [n, 19, hw, hw] logits, over everything and per channel (dims 0, 2, 3). The floor:
// the input read once (the outputs are a few values).
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_sum(benchmark::State& st, Device d, DType t, bool per_channel) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Dims dims = per_channel ? Dims{0, 2, 3} : Dims{};
  run(st, d, double(x.numel() * int64_t(x.element_size())), [&] { return sum(x, dims); });
}

}  // namespace

BENCHMARK_CAPTURE(BM_sum, all_cpu_f32, kCPU, DType::F32, false)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sum, channels_cpu_f32, kCPU, DType::F32, true)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_sum, all_CUDA_f32, cuda_device(0), DType::F32, false)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_sum, channels_CUDA_f32, cuda_device(0), DType::F32, true)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
