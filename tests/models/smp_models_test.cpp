// segmentation_models_pytorch's decoders (UNet, UPerNet and PAN on ResNet-34 and -50; LinkNet,
// FPN, MA-Net, UNet++ on ResNet-34) against SMP's
// own modules (tests/fixtures/gen_smp.py): state dict names and shapes, parameter count, eval
// output under the closed-form weights of tests/models/closed_form_init.h; and training steps.
#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/models/reference_facts.h"
#include "tests/models/train_step.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

struct SmpModel {
  std::string name, fixture;
  int64_t params;           // with one class, SMP's default, as SMP counts them
  int64_t multiple = 32;    // of the input's size: the encoder's output stride
  int64_t input_size = 64;  // of the fixture's input
};

std::map<std::string, Tensor> facts(const SmpModel& m) {
  return testing::load_fixture(m.fixture);
}

class SmpModels : public ::testing::TestWithParam<SmpModel> {};

TEST_P(SmpModels, StateDictAndParameterCountEqualSmp) {
  const SmpModel& m = GetParam();
  auto model = create(m.name, {.num_classes = 1});
  testing::expect_state_dict_matches(*model, facts(m), m.name);
  EXPECT_EQ(model->num_parameters(), m.params);
  EXPECT_EQ(model->backbone_paths(), std::vector<std::string>{"encoder"});
}

// Every 4th row and column of the 64x64 output.
TEST_P(SmpModels, EvalOutputEqualsSmp) {
  const SmpModel& m = GetParam();
  auto model = create(m.name, {.num_classes = 3});
  testing::expect_outputs_equal_reference(*model, facts(m), m.name, {"out"}, 4, m.input_size);
}

TEST_P(SmpModels, RefusesAuxAndSizesNotMultiplesOfTheOutputStride) {
  const SmpModel& m = GetParam();
  EXPECT_ERROR(create(m.name, {.aux = true}), m.name + ": has no auxiliary");
  auto model = create(m.name, {.num_classes = 3});
  NoGradGuard no_grad;
  EXPECT_ERROR(model->forward_outputs(zeros({1, 3, 64, 64 + m.multiple / 2})),
               "multiples of " + std::to_string(m.multiple));
}

TEST_P(SmpModels, TrainStepReachesEveryParameter) {
  const SmpModel& m = GetParam();
  testing::expect_train_step_reaches_every_parameter(m.name, {.num_classes = 3},
                                                     {2, 3, m.input_size, m.input_size});
}

TEST_P(SmpModels, TrainStepMatchesCpu_CUDA) {
  const SmpModel& m = GetParam();
  testing::expect_train_step_matches_cpu(m.name, {.num_classes = 3},
                                         {2, 3, m.input_size, m.input_size});
}

INSTANTIATE_TEST_SUITE_P(
    Smp, SmpModels,
    ::testing::Values(SmpModel{"unet_resnet34", "unet_resnet34_smp.txt", 24436369},
                      SmpModel{"unet_resnet50", "unet_resnet50_smp.txt", 32521105},
                      SmpModel{"upernet_resnet34", "upernet_resnet34_smp.txt", 29599681},
                      SmpModel{"upernet_resnet50", "upernet_resnet50_smp.txt", 37284673},
                      SmpModel{"pan_resnet34", "pan_resnet34_smp.txt", 21475816, 16, 128},
                      SmpModel{"pan_resnet50", "pan_resnet50_smp.txt", 24259816, 16, 128},
                      SmpModel{"linknet_resnet34", "linknet.txt", 21771937},
                      SmpModel{"fpn_resnet34", "fpn.txt", 23155393},
                      SmpModel{"manet_resnet34", "manet.txt", 31783633},
                      SmpModel{"unetplusplus_resnet34", "unetplusplus.txt", 26078609}),
    [](const auto& info) { return info.param.name; });

TEST(SmpModels, NamesFollowSmp) {
  auto unet = create("unet_resnet50", {.num_classes = 1});
  EXPECT_TRUE(unet->get_parameter("decoder.blocks.0.conv1.0.weight").defined());
  EXPECT_TRUE(unet->get_buffer("decoder.blocks.4.conv2.1.running_var").defined());
  EXPECT_EQ(unet->get_parameter("decoder.blocks.0.conv1.0.weight").size(1), 2048 + 1024);
  auto upernet = create("upernet_resnet50", {.num_classes = 1});
  EXPECT_TRUE(upernet->get_parameter("decoder.feature_norms.3.weight").defined());
  EXPECT_TRUE(upernet->get_parameter("decoder.psp.blocks.3.1.0.weight").defined());
  EXPECT_TRUE(upernet->get_parameter("decoder.psp.out_conv.0.weight").defined());
  EXPECT_TRUE(
      upernet->get_parameter("decoder.fpn_lateral_blocks.2.conv_norm_relu.0.weight").defined());
  EXPECT_TRUE(upernet->get_buffer("decoder.fusion_block.1.running_mean").defined());
  auto linknet = create("linknet_resnet34", {.num_classes = 1});
  EXPECT_TRUE(linknet->get_parameter("decoder.blocks.4.block.1.0.bias").defined());
  EXPECT_TRUE(linknet->get_parameter("segmentation_head.0.weight").defined());
  auto fpn = create("fpn_resnet34", {.num_classes = 1});
  EXPECT_TRUE(fpn->get_parameter("decoder.p4.skip_conv.bias").defined());
  EXPECT_TRUE(fpn->get_parameter("decoder.seg_blocks.0.block.2.block.1.weight").defined());
  EXPECT_THROW(fpn->get_parameter("decoder.seg_blocks.3.block.1.block.0.weight"), std::exception);
  auto manet = create("manet_resnet34", {.num_classes = 1});
  EXPECT_TRUE(manet->get_parameter("decoder.center.top_conv.weight").defined());
  EXPECT_TRUE(manet->get_parameter("decoder.blocks.0.SE_ll.3.bias").defined());
  EXPECT_THROW(manet->get_parameter("decoder.blocks.4.hl_conv.0.0.weight"), std::exception);
  auto pan = create("pan_resnet34", {.num_classes = 1});
  {
    NoGradGuard no_grad;
    EXPECT_ERROR(pan->forward_outputs(zeros({1, 3, 112, 128})), "at least 128x128");
  }
  EXPECT_TRUE(pan->get_parameter("decoder.fpa.down3.2.conv.bias").defined());
  EXPECT_TRUE(pan->get_buffer("decoder.gau1.conv1.1.bn.running_var").defined());
  EXPECT_EQ(pan->get_parameter("decoder.gau3.conv2.conv.weight").size(1), 256);
  // SMP's make_dilated: layer4's first block dilates too (torchvision's would not).
  EXPECT_EQ(pan->get_submodule("encoder.layer4.0.conv1")->as<nn::Conv2d>()->dilation[0], 2);
  auto nested = create("unetplusplus_resnet34", {.num_classes = 1});
  EXPECT_TRUE(nested->get_buffer("decoder.blocks.x_2_3.conv2.1.running_mean").defined());
  EXPECT_TRUE(nested->get_parameter("decoder.blocks.x_0_4.conv1.0.weight").defined());
}

// FPN's Dropout2d follows train() and eval(): two eval forwards agree, two training ones do not.
TEST(SmpModels, FpnDropoutOnlyInTraining) {
  auto model = create("fpn_resnet34", {.num_classes = 3});
  NoGradGuard no_grad;
  Tensor x = randn({1, 3, 64, 64});
  model->eval();
  EXPECT_ALL_CLOSE(model->forward_outputs(x).at("out"), model->forward_outputs(x).at("out"), 0, 0);
  model->train();
  Tensor a = model->forward_outputs(x).at("out"), b = model->forward_outputs(x).at("out");
  EXPECT_GT(max(abs(a - b)).item<double>(), 1e-3);
}

}  // namespace
}  // namespace tessel::models
