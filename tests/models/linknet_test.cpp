// LinkNet-ResNet34 against segmentation_models_pytorch's own Linknet("resnet34")
// (tests/fixtures/gen_linknet.py): state dict names and shapes, parameter count, eval output
// under the closed-form weights of tests/models/closed_form_init.h; and training steps.
#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/models/reference_facts.h"
#include "tests/models/train_step.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

const std::map<std::string, Tensor>& facts() {
  static const std::map<std::string, Tensor> f = testing::load_fixture("linknet.txt");
  return f;
}

// One class, SMP's default: 21,771,937 parameters.
TEST(LinkNet, StateDictAndParameterCountEqualSmp) {
  auto model = create("linknet_resnet34", {.num_classes = 1});
  testing::expect_state_dict_matches(*model, facts(), "linknet_resnet34");
  EXPECT_TRUE(model->get_parameter("decoder.blocks.4.block.1.0.bias").defined());
  EXPECT_TRUE(model->get_parameter("segmentation_head.0.weight").defined());
  EXPECT_EQ(model->backbone_paths(), std::vector<std::string>{"encoder"});
}

// Every 4th row and column of the 64x64 output.
TEST(LinkNet, EvalOutputEqualsSmp) {
  auto model = create("linknet_resnet34", {.num_classes = 3});
  testing::expect_outputs_equal_reference(*model, facts(), "linknet_resnet34", {"out"}, 4);
}

TEST(LinkNet, RefusesAuxAndSizesNotMultiplesOf32) {
  EXPECT_ERROR(create("linknet_resnet34", {.aux = true}), "linknet_resnet34: has no auxiliary");
  auto model = create("linknet_resnet34", {.num_classes = 3});
  NoGradGuard no_grad;
  EXPECT_ERROR(model->forward_outputs(zeros({1, 3, 64, 48})), "multiples of 32");
}

TEST(LinkNet, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter("linknet_resnet34", {.num_classes = 3},
                                                     {2, 3, 64, 64});
}

TEST(LinkNet, TrainStepMatchesCpu_CUDA) {
  testing::expect_train_step_matches_cpu("linknet_resnet34", {.num_classes = 3}, {2, 3, 64, 64});
}

}  // namespace
}  // namespace tessel::models
