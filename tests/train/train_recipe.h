// A small recipe for the trainer's tests: a ResNet-18 FCN on small synthetic images, on the CPU.
#pragma once

#include <string>

namespace tessel::train::testing {

inline std::string tiny_recipe(const std::string& output_dir, int iterations, int eval_interval) {
  return R"(
model: {name: fcn_resnet18, output_stride: 8}
optimizer: {name: sgd, lr: 0.02, head_lr_mult: 10}
schedule: {name: poly, warmup_iters: 5}
data:
  format: synthetic
  synthetic_train: 64
  synthetic_val: 8
  synthetic_size: 32
  workers: 1
  train_augment:
    - hflip
    - normalize: {mean: 127.5, std: 64}
  val_augment:
    - normalize: {mean: 127.5, std: 64}
train:
  batch_size: 4
  log_interval: 1000
  device: cpu
  seed: 1
  iterations: )" +
         std::to_string(iterations) + "\n  output_dir: " + output_dir +
         "\neval: {batch_size: 8, interval: " + std::to_string(eval_interval) + "}\n";
}

}  // namespace tessel::train::testing
