// Checks every real-time family's test runs (DDRNet, RegSeg, ...): a training step that reaches
// every parameter, and CUDA against CPU in eval mode.
#pragma once

#include <gtest/gtest.h>

#include <cmath>

#include "models/registry.h"
#include "tests/op_harness.h"

namespace tessel::models::testing {

// Batch 2 (training BatchNorm after global pooling needs two values) at `height` x `width`: every
// head in `heads`, in order, at the input's size; the losses summed (aux weighted 0.4) reach
// every parameter with a finite gradient.
inline void expect_train_step_reaches_every_parameter(const std::string& name,
                                                      const ModelOptions& options, int64_t height,
                                                      int64_t width,
                                                      const std::vector<std::string>& heads) {
  auto model = create(name, options);
  Generator g(5);
  Tensor x = randn({2, 3, height, width}, {DType::F32}, &g);
  Tensor labels = randint(0, options.num_classes, {2, height, width}, DType::I64, &g);
  Outputs y = model->forward_outputs(x);
  ASSERT_EQ(y.keys(), heads) << name;
  Tensor loss = cross_entropy(y.at("out"), labels);
  for (const auto& [head, t] : y) {
    EXPECT_EQ(t.sizes(), (Shape{2, options.num_classes, height, width})) << name << " " << head;
    if (head != "out") loss = loss + cross_entropy(t, labels) * 0.4;
  }
  loss.backward();
  for (const auto& [param, p] : model->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << ": no gradient for " << param;
    EXPECT_TRUE(std::isfinite(sum(p.grad() * p.grad()).item())) << name << ": " << param;
  }
}

// Same weights on both devices; every head of a 1x3x64x64 input within TF32's tolerance.
inline void expect_cuda_matches_cpu(const std::string& name, const ModelOptions& options) {
  auto cpu = create(name, options);
  auto gpu = create(name, options);
  gpu->load_state_dict(cpu->state_dict());
  gpu->to(cuda_device(0));
  cpu->eval();
  gpu->eval();
  NoGradGuard no_grad;
  Tensor x = randn({1, 3, 64, 64}, {DType::F32});
  Outputs want = cpu->forward_outputs(x);
  Outputs got = gpu->forward_outputs(x.to(cuda_device(0)));
  for (const auto& [head, w] : want)
    EXPECT_TRUE(
        ::tessel::testing::all_close(got.at(head).to(kCPU), w, 1e-2, 1e-2 * max(abs(w)).item()))
        << name << " " << head;
}

}  // namespace tessel::models::testing
