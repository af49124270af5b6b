// The layer-sized kernel families without a benchmark of their own, at segmentation shapes:
// softmax over channels, full and per-channel sums, 3x3 max pooling, 2x2 max unpooling (ENet's
// decoder, back to hw x hw at the pooling's indices), reflect padding, a
// channel gather, and the row sort Lovasz-softmax uses. Each reports bytes/s against the bytes
// it must move at least (every input read once, every output written once).
#include "bench/bench_util.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

Tensor logits(Device d, DType t, int64_t n, int64_t hw) {
  Generator g(1);
  return randn({n, 19, hw, hw}, {t, d}, &g);
}

// Runs `op` on the device and reports `bytes` per call.
template <typename Op>
void run(benchmark::State& st, Device d, double bytes, const Op& op) {
  auto fn = [&] { benchmark::DoNotOptimize(op().data_ptr()); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  set_rates(st, bytes);
  st.counters["floor_bytes"] = bytes;
}

void BM_softmax(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  run(st, d, 2.0 * double(x.numel() * int64_t(x.element_size())), [&] { return softmax(x, 1); });
}

void BM_sum(benchmark::State& st, Device d, DType t, bool per_channel) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Dims dims = per_channel ? Dims{0, 2, 3} : Dims{};
  run(st, d, double(x.numel() * int64_t(x.element_size())), [&] { return sum(x, dims); });
}

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

void BM_reflect_pad(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Tensor y = pad(x, {2, 2, 2, 2}, PadMode::Reflect);
  double bytes = double((x.numel() + y.numel()) * int64_t(x.element_size()));
  run(st, d, bytes, [&] { return pad(x, {2, 2, 2, 2}, PadMode::Reflect); });
}

void BM_gather(benchmark::State& st, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Tensor x = logits(d, t, st.range(0), st.range(1));
  Generator g(2);
  Tensor idx = randint(0, 19, {x.size(0), 1, x.size(2), x.size(3)}, {DType::I64, d}, &g);
  double bytes = double(idx.numel()) * (8.0 + 2.0 * double(x.element_size()));
  run(st, d, bytes, [&] { return gather(x, 1, idx); });
}

void BM_sort_rows(benchmark::State& st, Device d) {
  if (d.is_cuda() && !has_cuda(st)) return;
  Generator g(3);
  Tensor x = rand({19, st.range(0)}, {DType::F32, d}, &g);
  double bytes = double(x.numel()) * (4.0 + 4.0 + 8.0);  // values in, values and indices out
  run(st, d, bytes, [&] { return sort(x, true).values; });
}

}  // namespace

BENCHMARK_CAPTURE(BM_softmax, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sum, all_cpu_f32, kCPU, DType::F32, false)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sum, channels_cpu_f32, kCPU, DType::F32, true)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_max_pool, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_max_unpool, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_reflect_pad, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_gather, cpu_f32, kCPU, DType::F32)
    ->Args({2, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sort_rows, cpu, kCPU)->Arg(1 << 16)->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_softmax, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_sum, all_CUDA_f32, cuda_device(0), DType::F32, false)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_sum, channels_CUDA_f32, cuda_device(0), DType::F32, true)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_max_pool, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_max_unpool, CUDA_bf16, cuda_device(0), DType::BF16)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_reflect_pad, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_gather, CUDA_f32, cuda_device(0), DType::F32)
    ->Args({16, 512})
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_sort_rows, CUDA, cuda_device(0))->Arg(16 * 512 * 1024)->UseManualTime();

BENCHMARK_MAIN();
