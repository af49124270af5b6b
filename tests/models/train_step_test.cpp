// The torchvision family (fcn_*, deeplabv3_*) trains: a forward in training mode gives "out" and
// "aux" at the input's size, and a cross-entropy backward reaches every parameter. On CUDA the
// same against the CPU. Other families have their own train-step tests with their own heads.
#include <gtest/gtest.h>

#include <cmath>

#include "models/registry.h"
#include "tests/models/closed_form_init.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

class TrainStep : public ::testing::TestWithParam<std::string> {};

// Batch 2: training-mode BatchNorm after ASPP's global pooling needs more than one value.
const Shape kInput = {2, 3, 32, 32};

Tensor loss_of(const Outputs& y, const Tensor& labels) {
  return cross_entropy(y.at("out"), labels) + cross_entropy(y.at("aux"), labels) * 0.4;
}

TEST_P(TrainStep, ForwardBackwardReachesEveryParameter) {
  auto model = create(GetParam(), {.num_classes = 3, .aux = true});
  Generator g(3);
  Tensor x = randn(kInput, {DType::F32}, &g);
  Tensor labels = randint(0, 3, {kInput[0], kInput[2], kInput[3]}, DType::I64, &g);
  Outputs y = model->forward_outputs(x);
  ASSERT_EQ(y.keys(), (std::vector<std::string>{"out", "aux"}));
  for (const auto& [head, t] : y) EXPECT_EQ(t.sizes(), (Shape{2, 3, 32, 32})) << head;
  Tensor loss = loss_of(y, labels);
  ASSERT_TRUE(std::isfinite(loss.item())) << loss.item();
  loss.backward();
  for (const auto& [name, p] : model->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << GetParam() << ": no gradient for " << name;
    double norm = sum(p.grad() * p.grad()).item();
    EXPECT_TRUE(std::isfinite(norm)) << GetParam() << ": " << name;
  }
  EXPECT_GT(sum(abs(model->get_parameter("backbone.conv1.weight").grad())).item(), 0);
}

// Eval outputs, then training-mode losses and gradients (dropout off, so both devices compute
// the same function). Tolerances allow for TF32 convolutions.
TEST_P(TrainStep, MatchesCpu_CUDA) {
  std::shared_ptr<SegmentationModel> models[2];
  for (auto& m : models) {
    m = create(GetParam(), {.num_classes = 3, .aux = true});
    testing::closed_form_init(*m);
    m->apply([](nn::Module& mod) {
      if (auto* d = mod.as<nn::Dropout>()) d->p = 0;
    });
  }
  models[1]->to(cuda_device(0));
  Generator g(4);
  Tensor x = randn(kInput, {DType::F32}, &g);
  Tensor labels = randint(0, 3, {kInput[0], kInput[2], kInput[3]}, DType::I64, &g);
  auto close = [](const Tensor& gpu, const Tensor& cpu) {
    double scale = max(abs(cpu)).item();
    return testing::all_close(gpu.to(kCPU), cpu, 1e-2, 1e-2 * scale);
  };
  {
    NoGradGuard no_grad;
    models[0]->eval();
    models[1]->eval();
    EXPECT_TRUE(close(models[1]->forward(x.to(cuda_device(0))), models[0]->forward(x)));
  }
  models[0]->train();
  models[1]->train();
  Tensor cpu_loss = loss_of(models[0]->forward_outputs(x), labels);
  Tensor gpu_loss =
      loss_of(models[1]->forward_outputs(x.to(cuda_device(0))), labels.to(cuda_device(0)));
  EXPECT_TRUE(close(gpu_loss, cpu_loss));
  cpu_loss.backward();
  gpu_loss.backward();
  for (const char* name : {"backbone.conv1.weight", "backbone.layer4.1.bn2.weight",
                           "classifier.4.weight", "aux_classifier.0.weight"})
    EXPECT_TRUE(close(models[1]->get_parameter(name).grad(), models[0]->get_parameter(name).grad()))
        << GetParam() << ": gradient of " << name;
}

std::vector<std::string> torchvision_family() {
  std::vector<std::string> out;
  for (const std::string& n : names())
    if (n.rfind("fcn_", 0) == 0 || n.rfind("deeplabv3_", 0) == 0) out.push_back(n);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Models, TrainStep, ::testing::ValuesIn(torchvision_family()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace tessel::models
