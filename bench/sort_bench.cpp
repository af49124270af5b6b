// The stable descending row sort Lovasz-softmax uses, on 19 rows of f32. The floor: values read
// once, sorted values and their i64 indices written once.
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

void BM_sort_rows(benchmark::State& st, Device d) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Generator g(3);
  Tensor x = rand({19, st.range(0)}, {DType::F32, d}, &g);
  double bytes = double(x.numel()) * (4.0 + 4.0 + 8.0);  // values in, values and indices out
  run(st, d, bytes, [&] { return sort(x, true).values; });
}

}  // namespace

BENCHMARK_CAPTURE(BM_sort_rows, cpu, kCPU)->Arg(1 << 16)->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_sort_rows, CUDA, cuda_device(0))->Arg(16 * 512 * 1024)->UseManualTime();

BENCHMARK_MAIN();
