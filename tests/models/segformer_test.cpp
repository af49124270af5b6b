// SegFormer B0-B5 against HuggingFace's own SegformerForSemanticSegmentation (transformers,
// tests/fixtures/gen_segformer.py): state dict names and shapes, parameter counts, eval outputs
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

class SegFormerVariant : public ::testing::TestWithParam<std::string> {};

// 150 classes (ADE20K), as the paper's table: 3.8M (B0) to 84.7M (B5) parameters.
TEST_P(SegFormerVariant, StateDictAndParameterCountEqualReference) {
  const std::string name = "segformer_" + GetParam();
  auto model = create(name, {.num_classes = 150});
  testing::expect_state_dict_matches(*model, facts(), name);
  auto* segformer = model->as<SegFormer>();
  ASSERT_NE(segformer, nullptr);
  EXPECT_EQ(segformer->encoder->num_parameters(),
            int64_t(facts().at("mit_" + GetParam() + ".num_params").item()));
  std::cout << name << ": " << model->num_parameters()
            << " parameters (transformers: " << int64_t(facts().at(name + ".num_params").item())
            << ")\n";
}

// Every 4th row and column of the 64x64 output.
TEST_P(SegFormerVariant, EvalOutputEqualsReference) {
  const std::string name = "segformer_" + GetParam();
  auto model = create(name, {.num_classes = 3});
  testing::expect_outputs_equal_reference(*model, facts(), name, {"out"}, 4);
}

INSTANTIATE_TEST_SUITE_P(SegFormer, SegFormerVariant,
                         ::testing::Values("b0", "b1", "b2", "b3", "b4", "b5"));

TEST(SegFormer, ModuleNamesAreHuggingFaces) {
  auto model = create("segformer_b0", {.num_classes = 150});
  EXPECT_TRUE(
      model->get_parameter("segformer.encoder.block.0.1.attention.self.sr.weight").defined());
  EXPECT_TRUE(model->get_parameter("decode_head.linear_c.3.proj.weight").defined());
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
