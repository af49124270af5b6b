// DDRNet-23-slim, -23 and -39: parameter counts against SuperGradients' definitions,
// SuperGradients' state dict names, outputs at the input's size, and a training step that reaches
// every parameter.
#include <gtest/gtest.h>

#include "tests/models/realtime_checks.h"

namespace tessel::models {
namespace {

struct Reference {
  const char* name;
  int64_t without_aux, with_aux;
};

class DDRNetSize : public ::testing::TestWithParam<Reference> {};

// Counts for 19 classes from SuperGradients' own DDRNet23Slim, DDRNet23, DDRNet39
// (tests/fixtures/gen_super_gradients.py); the paper (Hong et al. 2021, table 4) rounds them
// to 5.7M, 20.1M and 32.3M. One model per case (building and initialising one is most of the test's
// time): without the auxiliary head is with it less seghead_extra.
TEST_P(DDRNetSize, ParameterCountMatchesSuperGradients) {
  const Reference& ref = GetParam();
  auto model = create(ref.name, {.num_classes = 19, .aux = true});
  EXPECT_EQ(model->num_parameters(), ref.with_aux);
  EXPECT_EQ(model->num_parameters() - model->get_submodule("seghead_extra")->num_parameters(),
            ref.without_aux);
  // SuperGradients' state dict names, including DDRNet-39's repeated stage 3.
  for (const char* name : {"_backbone.stem.0.0.bias", "_backbone.layer2.0.shortcut.1.running_var",
                           "_backbone.layer3.0.1.conv2.weight", "layer3_skip.0.0.bn1.weight",
                           "compression3.0.0.weight", "down4.1.1.weight", "layer5.0.conv3.weight",
                           "spp.branches.4.process.2.weight", "spp.shortcut.2.weight",
                           "final_layer.conv2.bias", "seghead_extra.bn1.weight"})
    EXPECT_TRUE(model->state_dict().contains(name)) << name;
  EXPECT_EQ(model->state_dict().contains("_backbone.layer3.1.0.conv1.weight"),
            std::string(ref.name) == "ddrnet_39");
}

INSTANTIATE_TEST_SUITE_P(DDRNet, DDRNetSize,
                         ::testing::Values(Reference{"ddrnet_23_slim", 5695987, 5734342},
                                           Reference{"ddrnet_23", 20148947, 20299366},
                                           Reference{"ddrnet_39", 32360275, 32660838}),
                         [](const ::testing::TestParamInfo<Reference>& info) {
                           return std::string(info.param.name);
                         });

// Stride 64 in layer5: at 64x64 DAPPM sees 1x1 features (its pooled branches pad).
TEST(DDRNet, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter(
      "ddrnet_23_slim", {.num_classes = 3, .aux = true}, 64, 64, {"out", "aux"});
}

TEST(DDRNet, EvalOutputsAtInputSize) {
  auto model = create("ddrnet_23_slim", {.num_classes = 5});
  model->eval();
  NoGradGuard no_grad;
  Outputs y = model->forward_outputs(zeros({1, 3, 64, 96}));
  EXPECT_EQ(y.keys(), std::vector<std::string>{"out"});
  EXPECT_EQ(y.at("out").sizes(), (Shape{1, 5, 64, 96}));
}

TEST(DDRNet, MatchesCpu_CUDA) {
  testing::expect_cuda_matches_cpu("ddrnet_23_slim", {.num_classes = 3, .aux = true});
}

}  // namespace
}  // namespace tessel::models
