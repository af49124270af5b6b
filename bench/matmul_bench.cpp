// Matrix product roofline: 2 n^3 FLOPs over 3 n^2 elements moved; compute-bound at these sizes,
// so compare FLOP/s with the device's measured GEMM peak (cuBLAS) or the CPU's FMA peak (Eigen).
#include "bench/bench_util.h"
#include "engine/ops/matmul.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_matmul(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0);
  Generator g(1);
  Tensor a = randn({n, n}, {t, d}, &g), b = randn({n, n}, {t, d}, &g);
  auto fn = [&] { benchmark::DoNotOptimize(matmul(a, b).data_ptr()); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, 3.0 * double(n * n) * double(element_size(t)),
            2.0 * double(n) * double(n) * double(n));
}

BENCHMARK_CAPTURE(BM_matmul, cpu_f32, kCPU, DType::F32)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_matmul, CUDA_f32, cuda_device(0), DType::F32)->Arg(4096)->UseManualTime();
BENCHMARK_CAPTURE(BM_matmul, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Arg(4096)
    ->Arg(8192)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_matmul, CUDA_f16, cuda_device(0), DType::F16)->Arg(8192)->UseManualTime();

BENCHMARK_MAIN();
