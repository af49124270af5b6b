// Recipes: parsing, overrides, and errors that name the key at fault and the nearest valid one.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/fixture.h"
#include "tests/op_harness.h"
#include "train/config.h"

namespace tessel::train {
namespace {

const char* kRecipe = R"(
model: {name: fcn_resnet18, aux: true}
loss:
  - {output: out, loss: ce, weight: 1.0}
  - {output: aux, loss: dice, weight: 0.4}
optimizer: {name: adamw, lr: 0.001}
data:
  format: synthetic
  train_augment:
    - hflip
    - resize: {scale: [0.5, 2.0]}
train: {iterations: 100, batch_size: 4}
)";

TEST(Recipe, ParsesSectionsListsAndDefaults) {
  Recipe r = parse_recipe(kRecipe, "r.yaml");
  EXPECT_EQ(r.model.name, "fcn_resnet18");
  EXPECT_TRUE(r.model.aux);
  ASSERT_EQ(r.loss.size(), 2u);
  EXPECT_EQ(r.loss[1].output, "aux");
  EXPECT_EQ(r.loss[1].loss, "dice");
  EXPECT_DOUBLE_EQ(r.loss[1].weight, 0.4);
  EXPECT_EQ(r.optimizer.name, "adamw");
  EXPECT_DOUBLE_EQ(r.optimizer.lr, 0.001);
  ASSERT_EQ(r.data.train_augment.size(), 2u);
  EXPECT_EQ(r.data.train_augment[0].name, "hflip");
  EXPECT_EQ(r.data.train_augment[1].options.at("scale"), "0.5,2.0");
  EXPECT_EQ(r.train.iterations, 100);
  EXPECT_EQ(r.train.accumulate, 1);  // a default
}

TEST(Recipe, OverridesAreTypedByTheSchema) {
  Recipe r = parse_recipe(kRecipe, "r.yaml",
                          {"optimizer.lr=0.02", "train.batch_size=16", "ema.enabled=true",
                           "data.val_augment=[{normalize: {mean: 1}}]", "model={name: unet}"});
  EXPECT_DOUBLE_EQ(r.optimizer.lr, 0.02);
  EXPECT_EQ(r.train.batch_size, 16);
  EXPECT_TRUE(r.ema.enabled);
  ASSERT_EQ(r.data.val_augment.size(), 1u);
  EXPECT_EQ(r.data.val_augment[0].options.at("mean"), "1");
  EXPECT_EQ(r.model.name, "unet");
}

TEST(Recipe, UNetShapeIsNestedUnderModel) {
  Recipe r = parse_recipe(kRecipe, "r.yaml",
                          {"model={name: unet, unet: {base_width: 16, bilinear: true}}",
                           "model.unet.batch_norm=false"});
  EXPECT_EQ(
      r.model.unet,
      (models::UNetOptions{.base_width = 16, .depth = 4, .bilinear = true, .batch_norm = false}));
  // The resolved recipe (recipe.yaml of a run) reads back to the same shape.
  EXPECT_EQ(parse_recipe(recipe_yaml(r), "recipe.yaml").model.unet, r.model.unet);
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"model.unet.depth=3"}),
               "r.yaml: model.unet.* shapes model.name: unet, not fcn_resnet18");
}

TEST(Recipe, UnknownKeysNameTheNearestKey) {
  EXPECT_ERROR(parse_recipe("optimizer: {lrr: 0.1}\ntrain: {iterations: 1}", "r.yaml"),
               "r.yaml: unknown key 'optimizer.lrr'; nearest: optimizer.lr");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.batchsize=4"}),
               "unknown key 'train.batchsize'; nearest: train.batch_size");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.batch_size"}), "expected key=value");
}

TEST(Recipe, WrongTypesNameTheKey) {
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.batch_size=four"}),
               "train.batch_size: expected an integer, got 'four'");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"optimizer.lr=[1, 2]"}),
               "optimizer.lr: expected a number, got a list");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"ema.enabled=maybe"}),
               "ema.enabled: expected true or false, got 'maybe'");
  EXPECT_ERROR(parse_recipe("loss: [{output: out, los: ce}]\ntrain: {iterations: 1}", "r.yaml"),
               "loss[0]: unknown key 'los'");
  EXPECT_ERROR(parse_recipe("model: [1]", "r.yaml"), "r.yaml: model: expected a map");
  EXPECT_ERROR(parse_recipe("model: {name: [", "r.yaml"), "r.yaml: invalid YAML");
}

TEST(Recipe, ValidatesValues) {
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.precision=fp8"}),
               "train.precision: 'fp8' is not one of bf16, f16, f32");
  EXPECT_NO_THROW(parse_recipe(kRecipe, "r.yaml", {"train.precision=bf16"}));
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.dist_timeout=0"}),
               "train.dist_timeout is 0, needs a positive number of seconds");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.sync_bn=maybe"}), "train.sync_bn");
  Recipe dp = parse_recipe(
      kRecipe, "r.yaml",
      {"train.sync_bn=true", "train.find_unused_parameters=true", "train.dist_timeout=30"});
  EXPECT_TRUE(dp.train.sync_bn);
  EXPECT_TRUE(dp.train.find_unused_parameters);
  EXPECT_EQ(dp.train.dist_timeout, 30);
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.epochs=3"}),
               "set exactly one of train.epochs and train.iterations");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"optimizer.name=lion"}),
               "optimizer.name: 'lion' is not one of adam, adamw, sgd");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.accumulate=0"}),
               "train.accumulate is 0, needs at least 1");
  EXPECT_ERROR(
      parse_recipe("loss: [{output: out, loss: cross_entropy}]\ntrain: {iterations: 1}", "r.yaml"),
      "r.yaml: loss[0]: make_loss: unknown loss 'cross_entropy'");
  EXPECT_ERROR(parse_recipe("loss: [{output: out, loss: ce, options: {smoothing: 0.1}}]\n"
                            "train: {iterations: 1}",
                            "r.yaml"),
               "r.yaml: loss[0]: loss 'ce': unknown option 'smoothing'; valid: class_weight, "
               "label_smoothing");
  EXPECT_ERROR(parse_recipe("loss: [{output: out, loss: ce, options: {class_weight: [1, x]}}]\n"
                            "train: {iterations: 1}",
                            "r.yaml"),
               "loss[0].options.class_weight[1]: expected a number, got 'x'");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.resume=/no/such/run/checkpoints/last"}),
               "r.yaml: train.resume: '/no/such/run/checkpoints/last' is neither auto nor a "
               "checkpoint directory");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"train.resume=Auto"}), "is neither auto nor");
  EXPECT_EQ(parse_recipe(kRecipe, "r.yaml", {"train.resume=auto"}).train.resume, "auto");
  Recipe r = parse_recipe(
      "loss: [{output: out, loss: ohem_ce, options: {thresh: 0.9, class_weight: [1, 2]}}]\n"
      "train: {iterations: 1}",
      "r.yaml");
  EXPECT_EQ(r.loss[0].options.at("thresh"), (std::vector<double>{0.9}));
  EXPECT_EQ(r.loss[0].options.at("class_weight"), (std::vector<double>{1, 2}));
}

// The weight files are checked before anything is built; the backbone's or the whole network's.
TEST(Recipe, WeightFilesMustExist) {
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"model.backbone_weights=/no/resnet50.safetensors"}),
               "r.yaml: model.backbone_weights: '/no/resnet50.safetensors' is not a file");
  EXPECT_ERROR(parse_recipe(kRecipe, "r.yaml", {"model.weights=/no/fcn.safetensors"}),
               "r.yaml: model.weights: '/no/fcn.safetensors' is not a file");
  std::string file = testing::fixture_path("safetensors_tiny.safetensors");
  EXPECT_EQ(parse_recipe(kRecipe, "r.yaml", {"model.weights=" + file}).model.weights, file);
  EXPECT_ERROR(
      parse_recipe(kRecipe, "r.yaml", {"model.weights=" + file, "model.backbone_weights=" + file}),
      "r.yaml: set at most one of model.weights (the whole network) and "
      "model.backbone_weights");
}

// Every shipped recipe parses and validates (those for real datasets cannot run here).
TEST(Recipe, ShippedRecipesValidate) {
  std::filesystem::path dir = std::filesystem::path(testing::fixture_path("")) / "../../recipes";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_recipe(entry.path().string()));
    ++count;
  }
  EXPECT_GE(count, 3);
}

// recipe_yaml writes what parse_recipe reads back to the same recipe: written again, the text is
// the same, for every shipped recipe and for one with loss options and augmentation options.
TEST(Recipe, WrittenAsYamlReadsBackTheSame) {
  std::filesystem::path dir = std::filesystem::path(testing::fixture_path("")) / "../../recipes";
  std::vector<Recipe> recipes = {
      parse_recipe(kRecipe, "inline.yaml",
                   {"loss=[{output: out, loss: ce, weight: 0.25, "
                    "options: {label_smoothing: 0.05, class_weight: [1, 0.5]}}]",
                    "optimizer.lr=0.1", "train.output_dir='runs/a b: c'"})};
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    recipes.push_back(load_recipe(entry.path().string()));
  for (const Recipe& r : recipes) {
    SCOPED_TRACE(r.source);
    const std::string yaml = recipe_yaml(r);
    Recipe back = parse_recipe(yaml, "written.yaml");
    EXPECT_EQ(recipe_yaml(back), yaml);
    EXPECT_EQ(back.model.name, r.model.name);
    EXPECT_EQ(back.optimizer.lr, r.optimizer.lr);
    EXPECT_EQ(back.train.output_dir, r.train.output_dir);
    EXPECT_EQ(back.data.train_augment.size(), r.data.train_augment.size());
    ASSERT_EQ(back.loss.size(), r.loss.size());
    for (size_t i = 0; i < r.loss.size(); ++i) EXPECT_EQ(back.loss[i].options, r.loss[i].options);
  }
  EXPECT_NE(recipe_yaml(recipes[0]).find("class_weight: [1, 0.5]"), std::string::npos)
      << recipe_yaml(recipes[0]);
}

}  // namespace
}  // namespace tessel::train
