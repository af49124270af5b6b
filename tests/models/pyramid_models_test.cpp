// MobileNetV3, LR-ASPP, PSPNet and DeepLabV3+ against their references
// (tests/fixtures/mobilenet_models.txt from gen_mobilenet_models.py): state dict names, shapes and
// parameter counts (torchvision 0.14's for MobileNetV3 and LR-ASPP; mmseg's heads transcribed in
// the script for PSPNet and DeepLabV3+), LR-ASPP's eval outputs under closed-form weights, and a
// training step (on CUDA against the CPU).
#include <gtest/gtest.h>

#include "models/mobilenetv3.h"
#include "models/registry.h"
#include "tests/models/reference_facts.h"
#include "tests/models/train_step.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

const std::map<std::string, Tensor>& facts() {
  static const std::map<std::string, Tensor> f = testing::load_fixture("mobilenet_models.txt");
  return f;
}

// Parameter count, entry count and the hash of every "key:shape" line.
void expect_state_dict_equals_reference(const nn::Module& model, const std::string& name) {
  std::vector<std::string> lines = testing::key_lines(model);
  std::string joined;
  for (const std::string& l : lines) joined += l + "\n";
  EXPECT_EQ(model.num_parameters(), int64_t(facts().at(name + ".num_params").item())) << name;
  EXPECT_EQ(int64_t(lines.size()), int64_t(facts().at(name + ".num_keys").item())) << name;
  EXPECT_EQ(testing::fnv1a32(joined), uint32_t(facts().at(name + ".keys_fnv1a").item()))
      << name << ": the state dict's names or shapes differ from the reference's";
}

ModelOptions options_for(const std::string& name, int64_t num_classes) {
  bool lraspp = name.starts_with("lraspp");
  return {.num_classes = num_classes, .aux = !lraspp, .output_stride = lraspp ? 8 : 16};
}

TEST(MobileNetV3, ImageNetStateDictEqualsTorchvision) {
  for (const char* arch : {"large", "small"}) {
    MobileNetV3 net(arch, /*dilated=*/false, 1000);
    expect_state_dict_equals_reference(net, std::string("mobilenet_v3_") + arch);
  }
  EXPECT_ERROR(MobileNetV3("medium", false), "arch 'medium'");
}

// Dilation keeps the last stage at output stride 16 without changing any shape.
TEST(MobileNetV3, DilatedLastStage) {
  NoGradGuard no_grad;
  Tensor x = testing::randn_input({1, 3, 64, 64}, 1, DType::F32, false);
  for (bool dilated : {false, true}) {
    MobileNetV3 net("small", dilated, 10);
    net.eval();
    EXPECT_EQ(net.features->forward(x).sizes(), (Shape{1, 576, dilated ? 4 : 2, dilated ? 4 : 2}));
    EXPECT_EQ(net.forward(x).sizes(), (Shape{1, 10}));
  }
  EXPECT_ERROR(MobileNetV3("small", true).forward(x), "MobileNetV3: built as a backbone");
}

class PyramidModel : public ::testing::TestWithParam<std::string> {};

TEST_P(PyramidModel, StateDictEqualsReference) {
  expect_state_dict_equals_reference(*create(GetParam(), options_for(GetParam(), 21)), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Models, PyramidModel,
                         ::testing::Values("lraspp_mobilenet_v3_large", "pspnet_resnet50",
                                           "pspnet_resnet101", "deeplabv3plus_resnet50",
                                           "deeplabv3plus_resnet101"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// Every 4th row and column of the 64x64 output.
TEST(PyramidModels, LrasppOutputsEqualTorchvision) {
  auto model = create("lraspp_mobilenet_v3_large", {.num_classes = 3});
  testing::expect_outputs_equal_reference(*model, facts(), "lraspp_mobilenet_v3_large", {"out"}, 4);
  EXPECT_ERROR(create("lraspp_mobilenet_v3_large", {.aux = true}), "has no auxiliary head");
}

// 12, 24, 36 at output stride 8 (mmseg's d8 config); the train step runs at 16.
TEST(PyramidModels, DeeplabV3PlusRatesFollowTheOutputStride) {
  auto model = create("deeplabv3plus_resnet50", {.output_stride = 8});
  for (int64_t i : {1, 2, 3}) {
    auto conv = model->get_submodule("decode_head.aspp_modules." + std::to_string(i) +
                                     ".depthwise_conv.conv");
    EXPECT_EQ(conv->as<nn::Conv2d>()->dilation, (Size2{12 * i, 12 * i})) << i;
  }
}

// At 2x3x64x64: training-mode BatchNorm after global pooling needs more than one value.
class PyramidTrainStep : public ::testing::TestWithParam<std::string> {};

TEST_P(PyramidTrainStep, ForwardBackwardReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter(GetParam(), options_for(GetParam(), 3),
                                                     {2, 3, 64, 64});
}

TEST_P(PyramidTrainStep, MatchesCpu_CUDA) {
  testing::expect_train_step_matches_cpu(GetParam(), options_for(GetParam(), 3), {2, 3, 64, 64});
}

INSTANTIATE_TEST_SUITE_P(Models, PyramidTrainStep,
                         ::testing::Values("lraspp_mobilenet_v3_large", "pspnet_resnet50",
                                           "deeplabv3plus_resnet50"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace tessel::models
