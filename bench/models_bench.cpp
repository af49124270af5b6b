// Whole networks, f32: inference (eval mode, no gradients) and one SGD training step (forward,
// cross-entropy on "out" plus 0.4 x on each auxiliary head, backward, update), 21 classes, random
// images. The arguments are the batch and the (square) image size: on the CPU 1x3x128x128 for
// inference and 2 images for training (BatchNorm after global pooling needs more than one value
// per channel, as in PyTorch), on CUDA 8x3x512x512. fcn_resnet50 and deeplabv3_resnet50 run with
// torchvision's auxiliary head, the real-time networks without theirs (as deployed).
// bench/compare_models_torch.py runs these next to the PyTorch equivalents.
// Counters: peak_MB, the CUDA caching allocator's peak since the model was built (weights,
// activations, optimizer state); peak_rss_MB on the CPU, the process's resident high-water mark
// so far, so filter to one benchmark to read it alone.
#include <string>

#include "bench/bench_util.h"
#include "engine/host_memory.h"
#include "models/registry.h"
#include "nn/optimizer.h"

using namespace tessel;
using namespace tessel::bench;

static void BM_model(benchmark::State& st, const char* name, Device d, bool train, bool aux) {
  if (d.is_cuda() && !has_cuda(st)) return;
  int64_t n = st.range(0), hw = st.range(1), classes = 21;
  auto model = models::create(name, {.num_classes = classes, .aux = aux});
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
    Tensor loss = cross_entropy(y.at("out"), labels);
    for (const auto& [head, logits] : y)
      if (head != "out") loss = loss + cross_entropy(logits, labels) * 0.4;
    loss.backward();
    sgd.step();
  };
  if (d.is_cuda()) {
#if TESSEL_WITH_CUDA
    cuda::reset_peak_memory_stats(0);
#endif
    run_cuda(st, fn);
  } else {
    run_cpu(st, fn);
    st.counters["peak_rss_MB"] = double(peak_resident_bytes()) / 1e6;
  }
  st.counters["images/s"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
}

#define MODEL_BENCH(name, aux)                                                      \
  BENCHMARK_CAPTURE(BM_model, name##_infer_cpu, #name, kCPU, false, aux)            \
      ->Args({1, 128})                                                              \
      ->UseRealTime()                                                               \
      ->Unit(benchmark::kMillisecond);                                              \
  BENCHMARK_CAPTURE(BM_model, name##_train_cpu, #name, kCPU, true, aux)             \
      ->Args({2, 128})                                                              \
      ->UseRealTime()                                                               \
      ->Unit(benchmark::kMillisecond);                                              \
  BENCHMARK_CAPTURE(BM_model, name##_infer_CUDA, #name, cuda_device(0), false, aux) \
      ->Args({8, 512})                                                              \
      ->UseManualTime()                                                             \
      ->Unit(benchmark::kMillisecond);                                              \
  BENCHMARK_CAPTURE(BM_model, name##_train_CUDA, #name, cuda_device(0), true, aux)  \
      ->Args({8, 512})                                                              \
      ->UseManualTime()                                                             \
      ->Unit(benchmark::kMillisecond);

MODEL_BENCH(fcn_resnet50, true)
MODEL_BENCH(deeplabv3_resnet50, true)
MODEL_BENCH(lraspp_mobilenet_v3_large, false)
MODEL_BENCH(regseg48, false)
MODEL_BENCH(pp_liteseg_t, false)
MODEL_BENCH(ddrnet_23_slim, false)
MODEL_BENCH(bisenetv2, false)
MODEL_BENCH(enet, false)
MODEL_BENCH(segformer_b0, false)
MODEL_BENCH(unet, false)

BENCHMARK_MAIN();
