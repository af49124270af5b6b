// tessel-bench: how fast a model runs and how much memory it takes, on random images: the time
// of an inference pass (eval mode, no gradients) and with --train of a training step (forward,
// cross-entropy, backward, SGD update), images/s, and the peak memory (CUDA: the caching
// allocator's peak allocated and reserved bytes; CPU: the process's resident high-water mark).
// --precision bf16|f16 runs forward passes and the loss under autocast, as the trainer does (f16
// with loss scaling).
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>

#include "engine/autocast.h"
#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/context.h"
#include "engine/host_memory.h"
#include "engine/ops.h"
#include "models/registry.h"
#include "nn/grad_scaler.h"
#include "nn/optimizer.h"
#include "train/cli.h"
#include "train/config.h"

namespace {

using namespace tessel;

constexpr const char* kUsage =
    "usage: tessel-bench --model NAME [--size 512x512] [--batch 8] [--device cuda|cpu]\n"
    "                    [--classes 21] [--iters 10] [--train] [--precision f32|bf16|f16]\n"
    "  times --iters passes after two warm-up passes, on random images and labels\n";

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
  try {
    train::CommandLine cl(
        argc, argv,
        {"--model", "--size", "--batch", "--device", "--classes", "--iters", "--precision"},
        {"--train"});
    if (cl.help()) {
      std::cout << kUsage;
      return 0;
    }
    const Size2 size = train::parse_size(cl.get("--size", "512x512"), "--size");
    const int64_t batch = train::parse_int(cl.get("--batch", "8"), "--batch");
    const int64_t iters = train::parse_int(cl.get("--iters", "10"), "--iters");
    models::ModelOptions options;
    options.num_classes = train::parse_int(cl.get("--classes", "21"), "--classes");
    const Device device = train::parse_device(cl.get("--device", ""));
    const std::string precision = cl.get("--precision", "f32");
    const std::optional<DType> autocast = train::autocast_for(precision, device, "--precision");
    auto model = models::create(cl.required("--model"), options);
    model->to(device);
    if (device.is_cuda()) cuda::reset_peak_memory_stats(device.index);

    Tensor images = randn({batch, 3, size[0], size[1]}, device);
    std::printf("%s on %s, batch %lld of %lldx%lld, %lld classes, %s\n",
                cl.get("--model", "").c_str(), device.str().c_str(), (long long)batch,
                (long long)size[1], (long long)size[0], (long long)options.num_classes,
                precision.c_str());
    report("inference",
           seconds_per_call(
               [&] {
                 AutocastGuard guard(autocast);
                 train::infer_logits(*model, images);
               },
               iters, device),
           batch);
    if (cl.has("--train")) {
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
  } catch (const std::exception& e) {
    std::cerr << "tessel-bench: " << e.what() << "\n(run tessel-bench --help for usage)\n";
    return 2;
  }
}
