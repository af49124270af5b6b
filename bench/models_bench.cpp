// Whole networks: inference and one SGD training step (forward, cross-entropy on "out" plus 0.4 x
// on "aux", backward, update) of fcn_resnet50 and deeplabv3_resnet50 (21 classes, aux head), at
// 1x3x256x256 on the CPU (2x for training: BatchNorm after ASPP's global pooling needs more than
// one value per channel, as in PyTorch) and 8x3x512x512 on CUDA (f32). CPU times are wall time.
// Counters: peak_MB, the CUDA caching allocator's peak since the model was built (weights,
// activations, optimizer state); maxrss_MB on the CPU is the process's high-water mark so far, so
// filter to one benchmark to read it alone.
#include <sys/resource.h>

#include "bench/bench_util.h"
#include "models/registry.h"
#include "nn/optimizer.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_model(benchmark::State& st, const char* name, Device d, bool train) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = d.is_cuda() ? 8 : (train ? 2 : 1), hw = d.is_cuda() ? 512 : 256, classes = 21;
  auto model = models::create(name, {.num_classes = classes, .aux = true});
  model->to(d);
  model->train(train);
  nn::SGD sgd({nn::GroupSpec(model->parameters())}, {.lr = 1e-3, .momentum = 0.9});
  Generator g(1);
  Tensor x = randn({n, 3, hw, hw}, {DType::F32, d}, &g);
  Tensor labels = randint(0, classes, {n, hw, hw}, {DType::I64, d}, &g);
  auto fn = [&] {
    if (!train) {
      NoGradGuard ng;
      benchmark::DoNotOptimize(model->forward_outputs(x).at("out").data_ptr());
      return;
    }
    sgd.zero_grad();
    models::Outputs y = model->forward_outputs(x);
    (cross_entropy(y.at("out"), labels) + cross_entropy(y.at("aux"), labels) * 0.4).backward();
    sgd.step();
  };
  if (d.is_cuda()) {
#if TESSEL_WITH_CUDA
    cuda::reset_peak_memory_stats(0);
#endif
    run_cuda(st, fn);
  } else {
    run_cpu(st, fn);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    st.counters["maxrss_MB"] = double(usage.ru_maxrss) * 1024 / 1e6;  // ru_maxrss is in KiB
  }
  st.counters["images/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

#define MODEL_BENCH(name)                                                      \
  BENCHMARK_CAPTURE(BM_model, name##_infer_cpu, #name, kCPU, false)            \
      ->UseRealTime()                                                          \
      ->Unit(benchmark::kMillisecond);                                         \
  BENCHMARK_CAPTURE(BM_model, name##_train_cpu, #name, kCPU, true)             \
      ->UseRealTime()                                                          \
      ->Unit(benchmark::kMillisecond);                                         \
  BENCHMARK_CAPTURE(BM_model, name##_infer_CUDA, #name, cuda_device(0), false) \
      ->UseManualTime()                                                        \
      ->Unit(benchmark::kMillisecond);                                         \
  BENCHMARK_CAPTURE(BM_model, name##_train_CUDA, #name, cuda_device(0), true)  \
      ->UseManualTime()                                                        \
      ->Unit(benchmark::kMillisecond);

MODEL_BENCH(fcn_resnet50)
MODEL_BENCH(deeplabv3_resnet50)

BENCHMARK_MAIN();
