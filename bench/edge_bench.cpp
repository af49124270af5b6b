// edge_mask with a 3x3 window on u8 label maps [n, hw, hw] (the edge losses' target). The floor:
// the labels read once and the u8 mask written once; the window's other reads are meant to hit
// the cache.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_edge_mask(benchmark::State& st, Device d) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor y = labels(d, DType::U8, st.range(0), st.range(1));
  run(st, d, 2 * nbytes(y), [&] { return edge_mask(y, 3); });
}

BENCHMARK_CAPTURE(BM_edge_mask, k3_cpu_u8, kCPU)->Args({2, 512})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_edge_mask, k3_CUDA_u8, cuda_device(0))->Args({16, 1024})->UseManualTime();

BENCHMARK_MAIN();
