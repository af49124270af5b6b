#include <cmath>  // before op_harness.h, which uses std::isnan

#include "nn/loss_options.h"
#include "nn/loss_registry.h"
#include "tests/engine/seg_labels.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

struct Batch {
  Tensor logits = randn_input({2, 4, 6, 7}, 1, DType::F64, false);
  Tensor aux = randn_input({2, 4, 6, 7}, 2, DType::F64, false);
  Tensor labels = seg_labels({2, 6, 7}, 4, 3, 0.1);  // 255 ignored
  Tensor binary = randn_input({2, 1, 6, 7}, 4, DType::F64, false);
  Tensor mask = seg_labels({2, 1, 6, 7}, 2, 5, 0).to(DType::F64);
};

}  // namespace

TEST(Losses, ModulesCallTheirOpsWithTheirOptions) {
  Batch b;
  auto same = [](const Tensor& a, const Tensor& e) {
    EXPECT_TRUE(std::isfinite(e.item()));
    EXPECT_NEAR(a.item(), e.item(), 1e-12);
  };
  CrossEntropyOptions ce{255, Tensor(), 0.1};
  same(nn::CrossEntropyLoss(ce)(b.logits, b.labels), cross_entropy(b.logits, b.labels, ce));
  same(nn::BCEWithLogitsLoss()(b.binary, b.mask),
       binary_cross_entropy_with_logits(b.binary, b.mask));
  DiceOptions dice{1, 1e-5, 255};
  same(nn::DiceLoss(dice)(b.logits, b.labels), dice_loss(b.logits, b.labels, dice));
  same(nn::BinaryDiceLoss()(b.binary, b.mask), binary_dice_loss(b.binary, b.mask));
  DiceOptions generalized{0, 1e-17, 255};
  same(nn::GeneralizedDiceLoss(generalized)(b.logits, b.labels),
       generalized_dice_loss(b.logits, b.labels, generalized));
  same(nn::BCEDiceLoss({0.3, 0.7})(b.binary, b.mask), bce_dice_loss(b.binary, b.mask, 0.3, 0.7));
  same(nn::FocalLoss()(b.binary, b.mask), mean(focal_loss(b.binary, b.mask)));
  same(nn::LovaszSoftmaxLoss({true, true, 255})(b.logits, b.labels),
       lovasz_softmax(softmax(b.logits, 1), b.labels, {true, true, 255}));
  same(nn::OhemCrossEntropyLoss({0.5, 10, 255})(b.logits, b.labels),
       ohem_cross_entropy(b.logits, b.labels, {0.5, 10, 255}));
  same(nn::DiceCEEdgeLoss({.ignore_index = 255})(b.logits, b.labels),
       dice_ce_edge_loss(b.logits, b.labels, {.ignore_index = 255}));
  same(nn::KnowledgeDistillationLoss({2.0})(b.logits, b.aux), kd_loss(b.logits, b.aux, {2.0}));
  EXPECT_EQ(nn::FocalLoss().type_name(), "FocalLoss");
}

TEST(Losses, ClassWeightsAreBuffers) {
  Batch b;
  Tensor w = from_vector<double>({1, 2, 0.5, 3}, {4}, DType::F64);
  nn::CrossEntropyLoss ce({255, w});
  nn::StateDict state = ce.state_dict();
  ASSERT_TRUE(state.contains("weight"));
  EXPECT_EQ(state["weight"].to_vector<double>(), w.to_vector<double>());
  EXPECT_EQ(nn::CrossEntropyLoss().state_dict().size(), 0u);
  EXPECT_EQ(nn::BCEWithLogitsLoss({Tensor(), w.view({1, 4, 1, 1})}).state_dict().keys(),
            (std::vector<std::string>{"pos_weight"}));
  EXPECT_NEAR(ce(b.logits, b.labels).item(), cross_entropy(b.logits, b.labels, {255, w}).item(),
              1e-12);
}

TEST(Losses, WeightedSumOverNamedOutputs) {
  Batch b;
  Tensor out = b.logits.detach().clone().requires_grad_();
  Tensor aux = b.aux.detach().clone().requires_grad_();
  auto loss = nn::WeightedOutputsLoss::from_description(
      {{"out", "ce", 1.0}, {"aux", "ce", 0.4}, {"out", "dice", 0.5}}, {.ignore_index = 255});
  EXPECT_EQ(loss->named_children().keys(), (std::vector<std::string>{"0", "1", "2"}));
  Tensor total = loss->forward({{"out", out}, {"aux", aux}, {"unused", b.binary}}, b.labels);
  double expected = cross_entropy(b.logits, b.labels, {255}).item() +
                    0.4 * cross_entropy(b.aux, b.labels, {255}).item() +
                    0.5 * dice_loss(b.logits, b.labels, {1, 1e-5, 255}).item();
  EXPECT_NEAR(total.item(), expected, 1e-12);
  total.backward();
  Tensor a = b.aux.detach().clone().requires_grad_();
  (cross_entropy(a, b.labels, {255}) * 0.4).backward();
  EXPECT_ALL_CLOSE(aux.grad(), a.grad(), 1e-12, 1e-14);
  EXPECT_TRUE(out.grad().defined());
}

TEST(Losses, RegistryNamesAndErrors) {
  std::vector<std::string> names;
  for (const auto& [name, factory] : nn::loss_registry()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"bce", "bce_dice", "binary_dice", "ce", "dice",
                                             "dice_ce_edge", "focal", "generalized_dice", "kd",
                                             "lovasz", "ohem_ce"}));
  nn::LossConfig config{.ignore_index = 7};
  EXPECT_EQ(nn::make_loss("ohem_ce", config)->as<nn::OhemCrossEntropyLoss>()->options.ignore_index,
            7);
  EXPECT_EQ(nn::make_loss("bce_dice", config)->as<nn::BCEDiceLoss>()->options.dice.ignore_index, 7);
  EXPECT_EQ(nn::make_loss("lovasz")->type_name(), "LovaszSoftmaxLoss");
  EXPECT_ERROR(nn::make_loss("cross_entropy"),
               "unknown loss 'cross_entropy'; known losses: bce, bce_dice, binary_dice, ce,");
  EXPECT_ERROR(nn::WeightedOutputsLoss::from_description({{"out", "lovasz_hinge", 1}}),
               "unknown loss 'lovasz_hinge'");
  EXPECT_ERROR(nn::register_loss("ce", nullptr), "loss 'ce' is already registered");
  Batch b;
  auto loss = nn::WeightedOutputsLoss::from_description({{"out", "ce", 1}, {"aux2", "ce", 0.4}},
                                                        {.ignore_index = 255});
  EXPECT_ERROR(loss->forward({{"out", b.logits}, {"aux", b.aux}}, b.labels),
               "no model output 'aux2' for its CrossEntropyLoss; outputs: aux, out");
  EXPECT_ERROR(nn::WeightedOutputsLoss().forward({{"out", b.logits}}, b.labels),
               "no losses were added");
}

// Recipes give each term its own options: they reach that term's loss only, and a misspelt or
// ill-typed option is an error naming the loss and the valid options.
TEST(Losses, PerTermOptions) {
  Batch b;
  auto loss = nn::WeightedOutputsLoss::from_description(
      {{"out", "ce", 1.0, {{"label_smoothing", {0.1}}, {"class_weight", {1, 2, 0.5, 1}}}},
       {"aux", "ce", 0.4}},
      {.ignore_index = 255});
  Tensor w = from_vector<double>({1, 2, 0.5, 1}, {4});
  double expected = cross_entropy(b.logits, b.labels, {255, w, 0.1}).item() +
                    0.4 * cross_entropy(b.aux, b.labels, {255}).item();
  EXPECT_NEAR(loss->forward({{"out", b.logits}, {"aux", b.aux}}, b.labels).item(), expected, 1e-6);

  nn::LossConfig c;
  nn::apply_loss_options("dice_ce_edge", {{"edge_kernel", {5}}, {"w_dice", {0}}}, c);
  EXPECT_EQ(c.dice_ce_edge.edge_kernel, 5);
  EXPECT_EQ(c.dice_ce_edge.w_dice, 0);
  nn::apply_loss_options("lovasz", {{"per_image", {1}}}, c);
  EXPECT_TRUE(c.lovasz.per_image);
  for (const auto& [name, factory] : nn::loss_registry())
    EXPECT_FALSE(nn::loss_option_names(name).empty()) << name;

  EXPECT_ERROR(nn::apply_loss_options("ce", {{"smoothing", {0.1}}}, c),
               "loss 'ce': unknown option 'smoothing'; valid: class_weight, label_smoothing");
  EXPECT_ERROR(nn::apply_loss_options("ohem_ce", {{"min_kept", {1.5}}}, c),
               "loss 'ohem_ce': min_kept: expected a whole number, got 1.5");
  EXPECT_ERROR(nn::apply_loss_options("focal", {{"gamma", {1, 2}}}, c),
               "loss 'focal': gamma: expected one number, got a list of 2");
  EXPECT_ERROR(nn::apply_loss_options("lovasz", {{"per_image", {2}}}, c),
               "loss 'lovasz': per_image: expected true or false, got 2");
}
