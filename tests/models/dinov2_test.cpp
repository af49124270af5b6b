// dinov2_vits14 against timm's own DINOv2 ViT-S/14 and a transcription of DINOv2's BNHead
// (tests/fixtures/gen_dinov2.py): state dict names and shapes, parameter count, eval output with
// the position embeddings resampled to another grid, the resampling weights themselves against
// torch's antialiased bicubic; training steps.
#include <gtest/gtest.h>

#include "models/dinov2.h"
#include "models/registry.h"
#include "tests/models/reference_facts.h"
#include "tests/models/train_step.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

const std::map<std::string, Tensor>& facts() {
  static const std::map<std::string, Tensor> f = testing::load_fixture("dinov2.txt");
  return f;
}

// timm's backbone: 22,056,192 parameters (the official checkpoint adds a 384-wide mask_token).
TEST(DinoV2, StateDictAndOutputEqualTimmsBackboneAndTheHead) {
  auto model = create("dinov2_vits14", {.num_classes = 3});
  testing::expect_state_dict_matches(*model, facts(), "dinov2_vits14");
  EXPECT_EQ(model->get_submodule("backbone")->num_parameters(), 22056192);
  EXPECT_TRUE(model->get_parameter("backbone.blocks.11.ls2.gamma").defined());
  EXPECT_TRUE(model->get_parameter("backbone.patch_embed.proj.weight").defined());
  EXPECT_TRUE(model->get_buffer("decode_head.bn.running_var").defined());
  // 70x70: a 5x5 patch grid, so the 37x37 position embeddings are resampled.
  testing::expect_outputs_equal_reference(*model, facts(), "dinov2_vits14", {"out"}, 4, 70);
}

TEST(DinoV2, ResamplingWeightsEqualTorchsAntialiasedBicubic) {
  for (const char* key : {"bicubic_aa.37_16", "bicubic_aa.37_50"}) {
    const Tensor& expected = facts().at(key);
    Tensor w = bicubic_antialias_weights(37, expected.size(0));
    EXPECT_ALL_CLOSE(w, expected, 1e-12, 1e-12);
  }
  // The pretraining grid itself needs no resampling: the identity.
  std::vector<double> identity(37 * 37, 0.0);
  for (size_t i = 0; i < 37; ++i) identity[i * 37 + i] = 1;
  EXPECT_ALL_CLOSE(bicubic_antialias_weights(37, 37), from_vector(identity, {37, 37}, DType::F64),
                   0, 1e-15);
}

TEST(DinoV2, RefusesAuxAndSizesNotMultiplesOf14) {
  EXPECT_ERROR(create("dinov2_vits14", {.aux = true}), "has no auxiliary head");
  auto model = create("dinov2_vits14", {.num_classes = 3});
  EXPECT_EQ(model->input_multiple(), 14);
  NoGradGuard no_grad;
  EXPECT_ERROR(model->forward_outputs(zeros({1, 3, 28, 30})), "multiples of 14");
}

TEST(DinoV2, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter("dinov2_vits14", {.num_classes = 3},
                                                     {2, 3, 42, 56});
}

TEST(DinoV2, TrainStepMatchesCpu_CUDA) {
  testing::expect_train_step_matches_cpu("dinov2_vits14", {.num_classes = 3}, {2, 3, 42, 56});
}

}  // namespace
}  // namespace tessel::models
