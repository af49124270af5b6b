// 3x3 stride-2 max pooling and 2x2 max unpooling (ENet's decoder, back to hw x hw at the
// pooling's indices) of [n, 19, hw, hw] logits. The floor: every input read once and every output
// written once (pooling: the input and a quarter of it out; unpooling: values and i64 indices in,
// the unpooled map, four times the values, out).
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_max_pool(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  double bytes = 1.25 * double(x.numel() * int64_t(x.element_size()));  // read + a quarter out
  run(st, d, bytes, [&] { return max_pool2d(x, {3, 3}, {2, 2}, {1, 1}); });
}

void BM_max_unpool(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  auto [values, idx] = max_pool2d_with_indices(logits(d, t, st.range(0), st.range(1)), {2, 2});
  // values and indices in, the unpooled map (four times the values) out
  double bytes = double(values.numel()) * (5.0 * double(values.element_size()) + 8.0);
  run(st, d, bytes, [&] { return max_unpool2d(values, idx, {2, 2}); });
}

}  // namespace

BENCHMARK_CAPTURE(BM_max_pool, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_max_unpool, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_max_pool, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_max_unpool, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
