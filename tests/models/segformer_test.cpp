// SegFormer-B0 against a PyTorch transcription of HuggingFace's modules
// (tests/fixtures/gen_segformer.py): state dict names and shapes, parameter counts, eval outputs
// under the closed-form weights of tests/models/closed_form_init.h; and training steps.
#include <gtest/gtest.h>

#include "models/registry.h"
#include "models/segformer.h"
#include "tests/models/reference_facts.h"
#include "tests/models/train_step.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

const std::map<std::string, Tensor>& facts() {
  static const std::map<std::string, Tensor> f = testing::load_fixture("segformer.txt");
  return f;
}

// 150 classes (ADE20K), as the paper's table: 3.7M parameters.
TEST(SegFormer, StateDictAndParameterCountEqualReference) {
  auto model = create("segformer_b0", {.num_classes = 150});
  testing::expect_state_dict_matches(*model, facts(), "segformer_b0");
  auto* segformer = model->as<SegFormer>();
  ASSERT_NE(segformer, nullptr);
  EXPECT_EQ(segformer->encoder->num_parameters(), int64_t(facts().at("mit_b0.num_params").item()));
  EXPECT_TRUE(
      model->get_parameter("segformer.encoder.block.0.1.attention.self.sr.weight").defined());
  EXPECT_TRUE(model->get_parameter("decode_head.linear_c.3.proj.weight").defined());
}

// Every 4th row and column of the 64x64 output.
TEST(SegFormer, EvalOutputEqualsReference) {
  auto model = create("segformer_b0", {.num_classes = 3});
  testing::expect_outputs_equal_reference(*model, facts(), "segformer_b0", {"out"}, 4);
}

TEST(SegFormer, RejectsAuxHead) {
  EXPECT_THROW(create("segformer_b0", {.num_classes = 3, .aux = true}), Error);
}

// Whole samples dropped or scaled by 1 / (1 - p) in training; the identity in eval mode.
TEST(SegFormer, DropPathDropsWholeSamples) {
  DropPath drop(0.5);
  Tensor x = ones({64, 4, 3});
  Tensor per_sample = sum(drop.forward(x), {1, 2});
  for (int64_t i = 0; i < 64; ++i) {
    double s = per_sample.slice(0, i, i + 1).item();
    EXPECT_TRUE(s == 0 || s == 24) << "sample " << i << ": " << s;
  }
  EXPECT_GT(sum(per_sample).item(), 0);
  EXPECT_LT(sum(per_sample).item(), 64 * 24);
  drop.eval();
  EXPECT_TRUE(testing::all_close(drop.forward(x), x, 0, 0));
}

// Dropout and drop path on; on CUDA both off (they are Dropouts), against the CPU.
TEST(SegFormer, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter("segformer_b0", {.num_classes = 3},
                                                     {2, 3, 32, 32});
}

TEST(SegFormer, TrainStepMatchesCpu_CUDA) {
  testing::expect_train_step_matches_cpu("segformer_b0", {.num_classes = 3}, {2, 3, 32, 32});
}

}  // namespace
}  // namespace tessel::models
