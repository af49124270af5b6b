// ENet and BiSeNetV2 against torch transcriptions of their reference code
// (tests/fixtures/gen_enet_bisenetv2.py): state dict names and shapes, parameter counts, eval
// outputs under the closed-form weights of tests/models/closed_form_init.h, and training steps.
#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/models/realtime_checks.h"
#include "tests/models/reference_facts.h"
#include "tests/models/train_step.h"

namespace tessel::models {
namespace {

const std::map<std::string, Tensor>& facts() {
  static const std::map<std::string, Tensor> f =
      ::tessel::testing::load_fixture("enet_bisenetv2.txt");
  return f;
}

// Every 4th row and column of the 64x64 output (3 classes).
void expect_eval_output_equals_reference(const std::string& name) {
  auto model = create(name, {.num_classes = 3});
  ::tessel::testing::expect_outputs_equal_reference(*model, facts(), name, {"out"}, 4);
}

// 19 classes. Each encoder block has one PReLU slope, which its state dict lists at every place
// the block applies it, as the reference's does: 351,590 parameters (the paper's 0.37M).
TEST(ENet, StateDictAndParameterCountEqualReference) {
  auto model = create("enet", {.num_classes = 19});
  ::tessel::testing::expect_state_dict_matches(*model, facts(), "enet");
  EXPECT_EQ(model->get_parameter("asymmetric2_3.ext_conv2.5.weight").data_ptr(),
            model->get_parameter("asymmetric2_3.out_prelu.weight").data_ptr());
  EXPECT_NE(model->get_parameter("regular1_1.out_prelu.weight").data_ptr(),
            model->get_parameter("regular1_2.out_prelu.weight").data_ptr());
  EXPECT_THROW(create("enet", {.num_classes = 3, .aux = true}), Error);
}

TEST(ENet, EvalOutputEqualsReference) {
  expect_eval_output_equals_reference("enet");
}

// Odd sizes: ENet's decoder unpools and upsamples to its encoder's own sizes; BiSeNetV2's branches
// halve the size alike (rounding up) and meet at 1/32.
TEST(ENetBiSeNetV2, OddInputSizeComesBackWhole) {
  for (const char* name : {"enet", "bisenetv2"}) {
    auto model = create(name, {.num_classes = 2});
    model->eval();
    NoGradGuard no_grad;
    EXPECT_EQ(model->forward(zeros({1, 3, 45, 37})).sizes(), (Shape{1, 2, 45, 37})) << name;
  }
}

TEST(ENet, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter("enet", {.num_classes = 3}, 32, 32, {"out"});
}

TEST(ENet, TrainStepMatchesCpu_CUDA) {
  ::tessel::testing::expect_train_step_matches_cpu("enet", {.num_classes = 3}, {2, 3, 32, 32});
}

// 19 classes: with the four auxiliary heads of mmseg's config, and without (one model: building
// one is most of the test's time).
TEST(BiSeNetV2, StateDictAndParameterCountEqualReference) {
  auto model = create("bisenetv2", {.num_classes = 19, .aux = true});
  ::tessel::testing::expect_state_dict_matches(*model, facts(), "bisenetv2");
  EXPECT_EQ(model->num_parameters() - model->get_submodule("auxiliary_head")->num_parameters(),
            int64_t(facts().at("bisenetv2.num_params_noaux").item()));
}

TEST(BiSeNetV2, EvalOutputEqualsReference) {
  expect_eval_output_equals_reference("bisenetv2");
}

// 32x32 and batch 2: the context block's BatchNorm sees two values per channel.
TEST(BiSeNetV2, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter("bisenetv2", {.num_classes = 3, .aux = true},
                                                     32, 32,
                                                     {"out", "aux1", "aux2", "aux3", "aux4"});
}

TEST(BiSeNetV2, TrainStepMatchesCpu_CUDA) {
  ::tessel::testing::expect_train_step_matches_cpu("bisenetv2", {.num_classes = 3}, {2, 3, 32, 32});
}

}  // namespace
}  // namespace tessel::models
