// Softmax over the channels of [n, 19, hw, hw] logits. The floor: the logits read once and the
// probabilities written once.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_softmax(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  run(st, d, 2.0 * double(x.numel() * int64_t(x.element_size())), [&] { return softmax(x, 1); });
}

}  // namespace

BENCHMARK_CAPTURE(BM_softmax, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_softmax, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
