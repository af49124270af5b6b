// VGG-16 against torchvision 0.14 (tests/fixtures/vgg16.txt, from gen_vgg16.py): the backbone's
// state dict names, shapes and parameter count; a training step through its features.
#include <gtest/gtest.h>

#include <cmath>

#include "models/vgg.h"
#include "tests/models/reference_facts.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

TEST(Vgg16, BackboneStateDictEqualsTorchvisionFeatures) {
  testing::expect_state_dict_matches(VGG16(), testing::load_fixture("vgg16.txt"), "vgg16_features");
}

// Batch 2 at 32x32: every stage halves, down to 1x1 at pool5.
TEST(Vgg16, TrainStepReachesEveryParameter) {
  VGG16 model;
  Generator g(7);
  Tensor x = randn({2, 3, 32, 32}, {DType::F32}, &g);
  nn::OrderedDict<Tensor> features = model.forward_features(x);
  ASSERT_EQ(features.keys(),
            (std::vector<std::string>{"pool1", "pool2", "pool3", "pool4", "pool5"}));
  for (int stage = 1; stage <= 5; ++stage) {
    int64_t side = 32 >> stage;
    EXPECT_EQ(features.at("pool" + std::to_string(stage)).sizes(),
              (Shape{2, VGG16::out_channels(stage), side, side}));
  }
  Tensor loss = mean(features.at("pool5") * features.at("pool5"));
  ASSERT_TRUE(std::isfinite(loss.item()));
  loss.backward();
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << "no gradient for " << name;
    EXPECT_TRUE(std::isfinite(sum(p.grad() * p.grad()).item())) << name;
  }
  EXPECT_GT(sum(abs(model.get_parameter("features.0.weight").grad())).item(), 0);
}

TEST(Vgg16, MatchesCpu_CUDA) {
  VGG16 cpu, gpu;
  gpu.load_state_dict(cpu.state_dict());
  gpu.to(cuda_device(0));
  Generator g(8);
  Tensor x = randn({2, 3, 32, 32}, {DType::F32}, &g);
  Tensor cpu_loss = mean(cpu.forward_features(x).at("pool5"));
  Tensor gpu_loss = mean(gpu.forward_features(x.to(cuda_device(0))).at("pool5"));
  EXPECT_TRUE(testing::all_close(gpu_loss.to(kCPU), cpu_loss, 1e-2, 1e-4));
  cpu_loss.backward();
  gpu_loss.backward();
  Tensor expected = cpu.get_parameter("features.0.weight").grad();
  EXPECT_TRUE(testing::all_close(gpu.get_parameter("features.0.weight").grad().to(kCPU), expected,
                                 1e-2, 1e-2 * max(abs(expected)).item()));
}

}  // namespace
}  // namespace tessel::models
