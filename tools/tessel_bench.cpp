// tessel-bench: how fast a model runs and how much memory it takes, on random images: the time
// of an inference pass (eval mode, no gradients) and with --train of a training step (forward,
// cross-entropy, backward, SGD update), images/s, and the peak memory (CUDA: the caching
// allocator's peak allocated and reserved bytes; CPU: the process's resident high-water mark).
// --precision bf16|f16 runs forward passes and the loss under autocast, as the trainer does (f16
// with loss scaling). Exit codes: tools/cli/tool.h.
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include "engine/autocast.h"
#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/context.h"
#include "engine/host_memory.h"
#include "engine/ops.h"
#include "models/registry.h"
#include "nn/grad_scaler.h"
#include "nn/optimizer.h"
#include "tools/cli/model_flags.h"
#include "tools/cli/tool.h"
#include "train/config.h"

namespace {

using namespace tessel;

// Mean seconds per call of `step`, after two untimed warm-up calls.
double seconds_per_call(const std::function<void()>& step, int64_t iters, Device device) {
  auto sync = [&] {
    if (device.is_cuda()) cuda::synchronize(device.index);
  };
  for (int i = 0; i < 2; ++i) step();
  sync();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; ++i) step();
  sync();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
         double(iters);
}

void report(const char* what, double seconds, int64_t batch) {
  std::printf("%-10s %9.2f ms/batch  %9.1f images/s\n", what, seconds * 1e3,
              double(batch) / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "How fast a model runs and how much memory it takes, on random images and labels: the "
      "mean time of --iters inference passes (and with --train training steps) after two "
      "warm-up passes, images/s, and the peak memory.",
      "tessel-bench"};
  std::string name, precision = "f32";
  Size2 size = {512, 512};
  int64_t batch = 8, iters = 10;
  bool train_too = false;
  models::ModelOptions options;
  options.num_classes = 21;
  app.add_option("--model", name, "the model")
      ->type_name("NAME")
      ->required()
      ->check(tools::model_name());
  app.add_option_function<std::string>(
         "--size", [&size](const std::string& text) { size = train::parse_size(text, "--size"); },
         "the images' size (default: 512x512)")
      ->type_name("WxH");
  app.add_option("--batch", batch, "images per batch (default: 8)")
      ->type_name("N")
      ->check(tools::positive_integer());
  app.add_option("--classes", options.num_classes, "the model's classes (default: 21)")
      ->type_name("N")
      ->check(tools::positive_integer());
  app.add_option("--iters", iters, "timed passes (default: 10)")
      ->type_name("N")
      ->check(tools::positive_integer());
  app.add_option("--precision", precision, "f32, or mixed precision on a GPU (default: f32)")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}));
  app.add_flag("--train", train_too, "also time training steps (forward, loss, backward, SGD)");
  tools::DeviceFlag device_flag;
  device_flag.add(app);
  return tools::run(app, argc, argv, [&] {
    const Device device = device_flag.resolve();
    const std::optional<DType> autocast =
        tools::usage_check([&] { return train::autocast_for(precision, device, "--precision"); });
    auto model = models::create(name, options);
    model->to(device);
    if (device.is_cuda()) cuda::reset_peak_memory_stats(device.index);

    Tensor images = randn({batch, 3, size[0], size[1]}, device);
    std::printf("%s on %s, batch %lld of %lldx%lld, %lld classes, %s\n", name.c_str(),
                device.str().c_str(), (long long)batch, (long long)size[1], (long long)size[0],
                (long long)options.num_classes, precision.c_str());
    report("inference",
           seconds_per_call(
               [&] {
                 AutocastGuard guard(autocast);
                 train::infer_logits(*model, images);
               },
               iters, device),
           batch);
    if (train_too) {
      Tensor labels =
          randint(0, options.num_classes, {batch, size[0], size[1]}, {DType::I64, device});
      nn::GroupOptions sgd;
      sgd.lr = 0.01;
      sgd.momentum = 0.9;
      nn::SGD optimizer({{model->parameters()}}, sgd);
      model->train();
      std::optional<nn::GradScaler> scaler;
      if (autocast == DType::F16) scaler.emplace();
      auto step = [&] {
        optimizer.zero_grad();
        Tensor loss;
        {
          AutocastGuard guard(autocast);
          loss = cross_entropy(model->forward(images), labels);
        }
        if (!scaler) {
          loss.backward();
          optimizer.step();
          return;
        }
        scaler->scale(loss).backward();
        scaler->unscale_(model->parameters());
        optimizer.step();  // the overflow check is left out: random data, a fixed scale
      };
      report("train", seconds_per_call(step, iters, device), batch);
    }
    if (device.is_cuda()) {
      const cuda::MemoryStats m = cuda::memory_stats(device.index);
      std::printf("peak memory: %.1f MiB allocated, %.1f MiB reserved\n",
                  double(m.peak_allocated) / (1 << 20), double(m.peak_reserved) / (1 << 20));
    } else {
      std::printf("peak memory: %.1f MiB resident (VmHWM)\n",
                  double(peak_resident_bytes()) / (1 << 20));
    }
    return 0;
  });
}
