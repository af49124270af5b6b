// Elementwise roofline: add reads two tensors and writes one (12 B/element in f32), relu and
// gelu one in and one out (8 B/element). Memory-bound: compare bytes/s with the device's copy
// bandwidth (bench/results/ records it).
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

Tensor input(int64_t n, Device d, DType t, uint64_t seed) {
  Generator g(seed);
  return randn({n}, {t, d}, &g);
}

void BM_add(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0);
  Tensor a = input(n, d, t, 1), b = input(n, d, t, 2);
  auto fn = [&] { benchmark::DoNotOptimize(add(a, b).data_ptr()); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, 3.0 * double(n) * double(element_size(t)), double(n));
}

void BM_unary(benchmark::State& st, Device d, DType t, Tensor (*op)(const Tensor&)) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0);
  Tensor a = input(n, d, t, 3);
  auto fn = [&] { benchmark::DoNotOptimize(op(a).data_ptr()); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, 2.0 * double(n) * double(element_size(t)));
}

Tensor relu_fn(const Tensor& x) {
  return relu(x);
}
Tensor gelu_fn(const Tensor& x) {
  return gelu(x);
}

}  // namespace

BENCHMARK_CAPTURE(BM_add, cpu_f32, kCPU, DType::F32)->Arg(1 << 20)->Arg(1 << 24);
BENCHMARK_CAPTURE(BM_unary, relu_cpu_f32, kCPU, DType::F32, relu_fn)->Arg(1 << 24);
BENCHMARK_CAPTURE(BM_unary, gelu_cpu_f32, kCPU, DType::F32, gelu_fn)->Arg(1 << 24);
BENCHMARK_CAPTURE(BM_add, CUDA_f32, cuda_device(0), DType::F32)
    ->Arg(1 << 24)
    ->Arg(1 << 28)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_add, CUDA_bf16, cuda_device(0), DType::BF16)->Arg(1 << 28)->UseManualTime();
BENCHMARK_CAPTURE(BM_unary, relu_CUDA_f32, cuda_device(0), DType::F32, relu_fn)
    ->Arg(1 << 28)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_unary, gelu_CUDA_bf16, cuda_device(0), DType::BF16, gelu_fn)
    ->Arg(1 << 28)
    ->UseManualTime();

BENCHMARK_MAIN();
