// models::create: names, nearest-name errors, option checks.
#include <gtest/gtest.h>

#include <algorithm>

#include "models/registry.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

TEST(Models, NamesIncludeTorchvisionModels) {
  std::vector<std::string> all = names();
  for (const char* name :
       {"fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50", "deeplabv3_resnet101"})
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST(Models, UnknownNameNamesItAndTheNearest) {
  std::string msg = testing::error_of([] { create("deeplabv3_resnet5"); });
  EXPECT_NE(msg.find("unknown model 'deeplabv3_resnet5'; nearest: deeplabv3_resnet50, "),
            std::string::npos)
      << msg;
  size_t known = msg.find("; known: ");
  ASSERT_NE(known, std::string::npos) << msg;
  EXPECT_NE(msg.find("deeplabv3_resnet101", known), std::string::npos) << msg;
}

TEST(Models, OptionsAreChecked) {
  EXPECT_ERROR(create("fcn_resnet18", {.num_classes = 0}), "fcn_resnet18: num_classes is 0");
  EXPECT_ERROR(create("fcn_resnet18", {.output_stride = 12}), "output_stride 12");
}

TEST(Models, AuxHeadIsOptional) {
  auto without = create("fcn_resnet18", {.num_classes = 5});
  EXPECT_FALSE(without->named_children().contains("aux_classifier"));
  NoGradGuard no_grad;
  without->eval();
  Outputs y = without->forward_outputs(zeros({1, 3, 40, 56}));
  EXPECT_EQ(y.keys(), std::vector<std::string>{"out"});
  EXPECT_EQ(y.at("out").sizes(), (Shape{1, 5, 40, 56}));
  EXPECT_EQ(without->forward(zeros({1, 3, 40, 56})).sizes(), (Shape{1, 5, 40, 56}));
}

}  // namespace
}  // namespace tessel::models
