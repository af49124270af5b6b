// FCN and DeepLabV3 against torchvision: state dict names, shapes, parameter counts, and eval-mode
// outputs under the closed-form weights of tests/models/closed_form_init.h.
#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/models/reference_facts.h"

namespace tessel::models {
namespace {

class TorchvisionStateDict : public ::testing::TestWithParam<std::string> {};

// With the aux head and 21 classes: the full list for the ResNet-50 models, count, hash and
// parameter count for all.
TEST_P(TorchvisionStateDict, Equal) {
  auto model = create(GetParam(), {.num_classes = 21, .aux = true});
  if (GetParam().ends_with("resnet50")) testing::expect_keys_equal_torchvision(*model, GetParam());
  testing::expect_counts_equal_torchvision(*model, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Models, TorchvisionStateDict,
                         ::testing::Values("fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50",
                                           "deeplabv3_resnet101"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// Every 4th row and column of the 64x64 outputs, "out" and "aux".
void expect_outputs_equal_torchvision(const std::string& name) {
  static const std::map<std::string, Tensor> facts =
      testing::load_fixture("torchvision_models.txt");
  auto model = create(name, {.num_classes = 3, .aux = true});
  testing::expect_outputs_equal_reference(*model, facts, name, {"out", "aux"}, 4);
}

TEST(Models, FcnResnet50OutputsEqualTorchvision) {
  expect_outputs_equal_torchvision("fcn_resnet50");
}

TEST(Models, Deeplabv3Resnet50OutputsEqualTorchvision) {
  expect_outputs_equal_torchvision("deeplabv3_resnet50");
}

}  // namespace
}  // namespace tessel::models
