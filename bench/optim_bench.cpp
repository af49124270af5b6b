// One optimizer step over a ResNet-50's parameters (161 tensors, 25.6M values), SGD with momentum
// and AdamW, on the CPU and with the fused CUDA kernel (one launch per group). Memory-bound: the
// bytes are what each update must move in f32, SGD reading parameter, gradient and momentum and
// writing parameter and momentum (20 B/value), AdamW reading parameter, gradient and two moments
// and writing three of them (28 B/value); compare bytes/s with the device's copy bandwidth.
#include "bench/bench_util.h"
#include "nn/optimizer.h"

using namespace tessel;
using namespace tessel::bench;

namespace {

// torchvision's resnet50 parameter shapes, in named_parameters() order.
std::vector<Shape> resnet50_shapes() {
  std::vector<Shape> s = {{64, 3, 7, 7}, {64}, {64}};
  auto conv_bn = [&](int64_t out, int64_t in, int64_t k) {
    s.push_back({out, in, k, k});
    s.push_back({out});
    s.push_back({out});
  };
  int64_t in = 64;
  const int64_t blocks[4] = {3, 4, 6, 3};
  for (int64_t stage = 0; stage < 4; ++stage) {
    int64_t width = 64 << stage;
    for (int64_t b = 0; b < blocks[stage]; ++b) {
      conv_bn(width, in, 1);
      conv_bn(width, width, 3);
      conv_bn(4 * width, width, 1);
      if (b == 0) conv_bn(4 * width, in, 1);  // downsample
      in = 4 * width;
    }
  }
  s.push_back({1000, 2048});
  s.push_back({1000});
  return s;
}

void BM_step(benchmark::State& st, Device d, bool adamw) {
  if (d.is_cuda() && !has_cuda(st)) return;
  std::vector<Tensor> params;
  int64_t numel = 0;
  Generator g(1);
  for (const Shape& shape : resnet50_shapes()) {
    Tensor p = randn(shape, {DType::F32, d}, &g);
    p.set_grad(randn(shape, {DType::F32, d}, &g));
    params.push_back(p);
    numel += p.numel();
  }
  std::unique_ptr<nn::Optimizer> opt;
  if (adamw)
    opt = std::make_unique<nn::AdamW>(std::vector<nn::GroupSpec>{{params}},
                                      nn::GroupOptions{.lr = 1e-4, .weight_decay = 0.05});
  else
    opt = std::make_unique<nn::SGD>(std::vector<nn::GroupSpec>{{params}},
                                    nn::GroupOptions{.lr = 0.01, .momentum = 0.9});
  auto fn = [&] { opt->step(); };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  st.counters["tensors"] = double(params.size());
  st.counters["params"] = double(numel);
  set_rates(st, double(numel) * (adamw ? 28 : 20));
}

}  // namespace

// Wall time on the CPU: the OpenMP workers' time is not the main thread's.
BENCHMARK_CAPTURE(BM_step, sgd_momentum_cpu_f32, kCPU, false)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_step, adamw_cpu_f32, kCPU, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_step, sgd_momentum_CUDA_f32, cuda_device(0), false)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_step, adamw_CUDA_f32, cuda_device(0), true)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

BENCHMARK_MAIN();
