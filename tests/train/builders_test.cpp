// The model a recipe builds (train/builders.h): model.backbone_weights and model.weights loaded,
// and a warning when a network made for a pretrained backbone starts from scratch.
#include "train/builders.h"

#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/models/weight_files.h"
#include "tests/op_harness.h"
#include "train/config.h"

namespace tessel::train {
namespace {

using models::testing::convert;
using tessel::testing::fixture_path;
using tessel::testing::TempDir;

Recipe shipped(const std::string& recipe, const std::vector<std::string>& overrides = {}) {
  return load_recipe(fixture_path("../../recipes/" + recipe), overrides);
}

// The new user's path: torchvision's ResNet-50 converted, given to the shipped DeepLabV3+ recipe.
TEST(MakeModel, ShippedRecipeLoadsAConvertedTorchvisionBackbone) {
  if (!models::testing::have_python()) GTEST_SKIP() << "python3 runs tools/convert_weights.py";
  TempDir dir;
  std::string file = convert(dir, "torchvision_resnet50", "torchvision");
  Recipe r = shipped("deeplabv3plus_resnet50_voc.yaml", {"model.backbone_weights=" + file});
  ::testing::internal::CaptureStdout();
  auto model = make_model(r, 21);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, "model.backbone_weights: loaded 318/318 backbone tensors from " + file +
                     " into backbone; missing: none; unexpected: none\n");
  EXPECT_EQ(sum(abs(model->get_parameter("backbone.layer4.2.conv3.weight"))).item(), 0.0);
}

// Every shipped recipe whose schedule assumes an ImageNet-pretrained backbone names the key,
// and without a file says the run starts from scratch.
TEST(MakeModel, WarnsWhenAPretrainedBackboneIsNotGiven) {
  for (const char* recipe : {"deeplabv3_resnet50_voc.yaml", "deeplabv3plus_resnet50_voc.yaml",
                             "ddrnet_23_slim_cityscapes.yaml", "pp_liteseg_t_cityscapes.yaml",
                             "segformer_b0_ade20k.yaml", "fcn_resnet50_folder.yaml",
                             "upernet_resnet50_ade20k.yaml", "pan_resnet50_voc.yaml"}) {
    std::ifstream in(fixture_path(std::string("../../recipes/") + recipe));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("backbone_weights: \"\""), std::string::npos) << recipe;
    EXPECT_NE(text.find("model.backbone_weights="), std::string::npos) << recipe;
    Recipe r = shipped(recipe);
    ::testing::internal::CaptureStderr();
    make_model(r, 5);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("warning: " + r.source + ": no model.backbone_weights: " + r.model.name +
                       "'s backbone starts from scratch"),
              std::string::npos)
        << recipe << ": " << err;
  }
  // Networks trained from scratch by design, and resumed runs, are not warned about.
  for (auto [recipe, overrides] : {std::pair{"unet_folder.yaml", std::vector<std::string>{}},
                                   {"quickstart.yaml", {}},
                                   {"deeplabv3_resnet50_voc.yaml", {"train.resume=auto"}}}) {
    ::testing::internal::CaptureStderr();
    make_model(shipped(recipe, overrides), 5);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << recipe;
  }
}

// model.weights is strict: the same network loads; another number of classes is an error naming
// the file, the key and both shapes.
// model.freeze: the backbone's parameters leave training (no gradient, untouched by the
// optimizer's step and weight decay), the head's do not; a path without parameters is refused.
TEST(MakeModel, FreezesTheNamedModules) {
  Recipe r = shipped("quickstart.yaml", {"model.name=dinov2_vits14", "model.freeze=backbone"});
  ::testing::internal::CaptureStdout();
  auto model = make_model(r, 3);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find(
                "model.freeze: backbone: 174 tensors, 22056192 parameters not trained"),
            std::string::npos);
  for (const auto& [name, p] : model->named_parameters())
    EXPECT_EQ(p.requires_grad(), !name.starts_with("backbone.")) << name;
  auto optimizer = make_optimizer(r, *model);
  Tensor frozen = model->get_parameter("backbone.blocks.0.attn.qkv.weight").clone();
  Tensor head = model->get_parameter("decode_head.conv_seg.weight").clone();
  Tensor loss = sum(model->forward_outputs(randn({1, 3, 28, 28})).at("out"));
  loss.backward();
  optimizer->step();
  EXPECT_ALL_CLOSE(model->get_parameter("backbone.blocks.0.attn.qkv.weight"), frozen, 0, 0);
  EXPECT_GT(max(abs(model->get_parameter("decode_head.conv_seg.weight") - head)).item(), 0.0);
  r = shipped("quickstart.yaml", {"model.freeze=backbone, nothing_here"});
  ::testing::internal::CaptureStdout();
  EXPECT_ERROR(make_model(r, 3), "model.freeze: 'nothing_here' holds no parameter");
  ::testing::internal::GetCapturedStdout();
}

TEST(MakeModel, LoadsAWholeNetworkStrictly) {
  TempDir dir;
  std::string file = dir.path("fcn.safetensors");
  auto trained = models::create("fcn_resnet18", {.num_classes = 4});
  for (auto& [name, t] : trained->state_dict()) t.fill_(0.5);
  nn::save_state_dict(file, *trained);
  const std::string recipe =
      "model: {name: fcn_resnet18, weights: " + file + "}\ntrain: {iterations: 1}\n";
  ::testing::internal::CaptureStdout();
  auto model = make_model(parse_recipe(recipe, "r.yaml"), 4);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "model.weights: loaded " + file + "\n");
  EXPECT_EQ(sum(model->get_parameter("classifier.4.bias")).item(), 4 * 0.5);
  EXPECT_ERROR(make_model(parse_recipe(recipe, "r.yaml"), 5),
               "load_state_dict_file: " + file +
                   ": Error(s) in loading state_dict for FCN: size mismatch for "
                   "classifier.4.weight: copying a tensor with shape [4, 128, 1, 1] from the "
                   "state_dict, the shape in the current model is [5, 128, 1, 1]");
}

}  // namespace
}  // namespace tessel::train
