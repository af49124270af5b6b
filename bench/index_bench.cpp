// gather along the channels of [n, 19, hw, hw] logits with a [n, 1, hw, hw] i64 index (picking
// each pixel's class score). The floor: the index read, one value per index read and written.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_gather(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Generator g(2);
  Tensor idx = randint(0, 19, {x.size(0), 1, x.size(2), x.size(3)}, {DType::I64, d}, &g);
  double bytes = double(idx.numel()) * (8.0 + 2.0 * double(x.element_size()));
  run(st, d, bytes, [&] { return gather(x, 1, idx); });
}

}  // namespace

BENCHMARK_CAPTURE(BM_gather, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_gather, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
