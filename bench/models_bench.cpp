// Whole networks, f32: inference (eval mode, no gradients) and one SGD training step (forward,
// cross-entropy on "out" plus 0.4 x on each auxiliary head, backward, update), 21 classes, random
// images. The arguments are the batch and the (square) image size: on the CPU 1x3x128x128 for
// inference and 2 images for training (BatchNorm after global pooling needs more than one value
// per channel, as in PyTorch), on CUDA 8x3x512x512. torchvision's FCN and DeepLabV3 run with
// their auxiliary head, the other networks without theirs (as deployed).
// bench/compare_models_torch.py runs these next to the PyTorch equivalents.
// Counters: peak_MB, the CUDA caching allocator's peak since the model was built (weights,
// activations, optimizer state); peak_rss_MB on the CPU, the process's resident high-water mark
// so far, so filter to one benchmark to read it alone.
#include <string>
#include <utility>
#include <vector>

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

// Every registered model, on each device: inference and training step, at the shapes above; the
// small UNet also at the shape of CPU training benchmarks (batch 16, 96x96). torchvision's FCN and
// DeepLabV3 run with their auxiliary head, as torchvision builds them for training.
void register_models() {
  struct Shape {
    int64_t infer_batch, train_batch, size;
  };
  for (const std::string& name : models::names()) {
    const bool aux = name.starts_with("fcn_") || name.starts_with("deeplabv3_");
    std::vector<std::pair<Device, Shape>> runs = {{kCPU, {1, 2, 128}},
                                                  {cuda_device(0), {8, 8, 512}}};
    if (name == "unet_small") runs.push_back({kCPU, {16, 16, 96}});
    // A ViT/14 takes multiples of 14: 126 and 504 for 128 and 512.
    if (name.starts_with("dinov2_"))
      for (auto& run : runs) run.second.size -= run.second.size % 14;
    for (const auto& [device, shape] : runs) {
      for (bool train : {false, true}) {
        const std::string label = "BM_model/" + name + (train ? "_train_" : "_infer_") +
                                  (device.is_cuda() ? "CUDA" : "cpu");
        auto* b = benchmark::RegisterBenchmark(label.c_str(),
                                               [name, device, train, aux](benchmark::State& st) {
                                                 BM_model(st, name.c_str(), device, train, aux);
                                               });
        b->Args({train ? shape.train_batch : shape.infer_batch, shape.size})
            ->Unit(benchmark::kMillisecond);
        device.is_cuda() ? b->UseManualTime() : b->UseRealTime();
      }
    }
  }
}

int main(int argc, char** argv) {
  register_models();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
