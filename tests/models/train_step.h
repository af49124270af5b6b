// Training-step checks for any registered network: a forward in training mode gives every head at
// the input's size, a cross-entropy backward (0.4 on "aux" when present) reaches every
// parameter, and on CUDA the eval outputs, loss and every gradient match the CPU's.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/registry.h"
#include "tests/models/closed_form_init.h"
#include "tests/op_harness.h"

namespace tessel::testing {

inline Tensor train_loss(const models::Outputs& y, const Tensor& labels) {
  Tensor loss = cross_entropy(y.at("out"), labels);
  return y.contains("aux") ? loss + cross_entropy(y.at("aux"), labels) * 0.4 : loss;
}

// `input` [N, 3, H, W]; labels in [0, options.num_classes).
inline void expect_train_step_reaches_every_parameter(const std::string& name,
                                                      const models::ModelOptions& options,
                                                      const Shape& input) {
  auto model = models::create(name, options);
  Generator g(3);
  Tensor x = randn(input, {DType::F32}, &g);
  Tensor labels = randint(0, options.num_classes, {input[0], input[2], input[3]}, DType::I64, &g);
  models::Outputs y = model->forward_outputs(x);
  for (const auto& [head, t] : y)
    EXPECT_EQ(t.sizes(), (Shape{input[0], options.num_classes, input[2], input[3]})) << head;
  Tensor loss = train_loss(y, labels);
  ASSERT_TRUE(std::isfinite(loss.item())) << name << ": loss " << loss.item();
  loss.backward();
  for (const auto& [key, p] : model->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << ": no gradient for " << key;
    EXPECT_TRUE(std::isfinite(sum(p.grad() * p.grad()).item())) << name << ": " << key;
  }
  EXPECT_GT(sum(abs(model->parameters().front().grad())).item(), 0) << name << ": first layer";
}

// Closed-form weights, dropout off so that both devices compute the same function; tolerances
// allow for TF32 convolutions.
inline void expect_train_step_matches_cpu(const std::string& name,
                                          const models::ModelOptions& options, const Shape& input) {
  std::shared_ptr<models::SegmentationModel> nets[2];
  for (auto& m : nets) {
    m = models::create(name, options);
    closed_form_init(*m);
    m->apply([](nn::Module& mod) {
      if (auto* d = mod.as<nn::Dropout>()) d->p = 0;
    });
  }
  nets[1]->to(cuda_device(0));
  Generator g(4);
  Tensor x = randn(input, {DType::F32}, &g);
  Tensor labels = randint(0, options.num_classes, {input[0], input[2], input[3]}, DType::I64, &g);
  auto close = [](const Tensor& gpu, const Tensor& cpu) {
    double scale = max(abs(cpu)).item();
    return all_close(gpu.to(kCPU), cpu, 1e-2, 1e-2 * scale);
  };
  {
    NoGradGuard no_grad;
    nets[0]->eval();
    nets[1]->eval();
    EXPECT_TRUE(close(nets[1]->forward(x.to(cuda_device(0))), nets[0]->forward(x))) << name;
  }
  nets[0]->train();
  nets[1]->train();
  Tensor cpu_loss = train_loss(nets[0]->forward_outputs(x), labels);
  Tensor gpu_loss =
      train_loss(nets[1]->forward_outputs(x.to(cuda_device(0))), labels.to(cuda_device(0)));
  EXPECT_TRUE(close(gpu_loss, cpu_loss)) << name;
  cpu_loss.backward();
  gpu_loss.backward();
  nn::OrderedDict<Tensor> gpu_params = nets[1]->named_parameters();
  for (const auto& [key, p] : nets[0]->named_parameters())
    EXPECT_TRUE(close(gpu_params.at(key).grad(), p.grad())) << name << ": gradient of " << key;
}

}  // namespace tessel::testing
