// Data movement: contiguous() of [n, 19, hw, hw] logits viewed channels-last (a permuted,
// non-contiguous view, so every element is gathered), and dtype conversion f32 -> bf16 and
// bf16 -> f32. The floor: the input read once and the output written once, each at its own
// element size.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_contiguous(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1)).permute({0, 2, 3, 1});
  run(st, d, 2 * nbytes(x), [&] { return x.contiguous(); });
}

void BM_to_dtype(benchmark::State& st, Device d, DType from, DType to) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, from, st.range(0), st.range(1));
  run(st, d, double(x.numel()) * double(element_size(from) + element_size(to)),
      [&] { return x.to(to); });
}

}  // namespace

BENCHMARK_CAPTURE(BM_contiguous, nhwc_cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_to_dtype, f32_to_bf16_cpu, kCPU, DType::F32, DType::BF16)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_to_dtype, bf16_to_f32_cpu, kCPU, DType::BF16, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_contiguous, nhwc_CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_contiguous, nhwc_CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_to_dtype, f32_to_bf16_CUDA, cuda_device(0), DType::F32, DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_to_dtype, bf16_to_f32_CUDA, cuda_device(0), DType::BF16, DType::F32)
    ->Args({16, 512})
    ->UseManualTime();

BENCHMARK_MAIN();
