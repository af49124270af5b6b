// boundary_iou_counts_ (19 classes, band width 3, 255 ignored) of u8 prediction and target maps
// [n, hw, hw] into [2, 19] counts. The floor: both maps read once (the counts are a few bytes);
// the int32 scratch of row-window labels (2 x 4 bytes per pixel, written then read) is not in it.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_boundary_iou(benchmark::State& st, Device d) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor pred = labels(d, DType::U8, st.range(0), st.range(1), 3);
  Tensor target = labels(d, DType::U8, st.range(0), st.range(1), 4);
  Tensor counts = zeros({2, 19}, {DType::I64, d});
  run_fn(st, d, nbytes(pred) + nbytes(target),
         [&] { boundary_iou_counts_(counts, pred, target, 19, 3, 255); });
}

BENCHMARK_CAPTURE(BM_boundary_iou, d3_cpu_u8, kCPU)->Args({2, 512})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_boundary_iou, d3_CUDA_u8, cuda_device(0))->Args({16, 1024})->UseManualTime();

BENCHMARK_MAIN();
