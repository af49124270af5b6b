// UNet, UNet-ResNet34, STDC1/2-Seg, PP-LiteSeg-T/B: parameter counts against the references,
// named outputs at the input's size, a training step that reaches every parameter, CUDA against
// CPU.
#include <gtest/gtest.h>

#include <cmath>

#include "models/registry.h"
#include "models/stdc.h"
#include "tests/models/train_step.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

// Reference counts, which also agree with the published figures:
//   unet (2 classes)           31,037,698  milesial/Pytorch-UNet, bilinear=False (a transcription:
//   unet_small (2 classes)      1,080,946  tests/fixtures/gen_unet_models.py), and the same at
//                                          base width 16, bilinear=True
//   from SuperGradients 3.7.1's own modules (tests/fixtures/gen_super_gradients.py):
//   STDC1 / STDC2 as ImageNet classifiers: 8,441,504 / 12,471,968, the paper's 8.44M / 12.5M
//   (their backbones, without the classifier: 5,318,304 / 9,348,768)
//   stdc1_seg, stdc2_seg, pp_liteseg_t, pp_liteseg_b: SG's STDC1Seg, STDC2Seg, PPLiteSegT,
//   PPLiteSegB at 19 classes, without / with the auxiliary (and detail) heads
struct ModelCase {
  std::string name;
  bool aux;  // whether the model has auxiliary heads to turn on
  std::vector<std::string> outputs;
  int64_t reference_classes, params, params_aux;  // params_aux: 0 without auxiliary heads
};

const ModelCase kCases[] = {
    {"unet", false, {"out"}, 2, 31037698, 0},
    {"unet_small", false, {"out"}, 2, 1080946, 0},
    {"stdc1_seg", true, {"out", "aux1", "aux2", "detail"}, 19, 8275104, 9310176},
    {"stdc2_seg", true, {"out", "aux1", "aux2", "detail"}, 19, 12305568, 13340640},
    {"pp_liteseg_t", true, {"out", "aux1", "aux2", "aux3"}, 19, 8027808, 8197056},
    {"pp_liteseg_b", true, {"out", "aux1", "aux2", "aux3"}, 19, 12234240, 12412704},
};

class UnetStdc : public ::testing::TestWithParam<ModelCase> {};

const int64_t kClasses = 3;

// Every head at the input's size: classes for the segmentation heads, one channel for "detail".
void expect_outputs(const Outputs& y, const ModelCase& c, const Shape& input, int64_t classes) {
  ASSERT_EQ(y.keys(), c.outputs) << c.name;
  for (const auto& [head, t] : y)
    EXPECT_EQ(t.sizes(), (Shape{input[0], head == "detail" ? 1 : classes, input[2], input[3]}))
        << c.name << " " << head;
}

// At the reference's class count, so that the counts compare; with the auxiliary heads when
// there are some (every head's output), and without.
TEST_P(UnetStdc, ParametersAndOutputsAtInputSize) {
  const ModelCase& c = GetParam();
  auto model = create(c.name, {.num_classes = c.reference_classes, .aux = c.aux});
  EXPECT_EQ(model->num_parameters(), c.aux ? c.params_aux : c.params) << c.name;
  if (c.aux) {
    EXPECT_EQ(create(c.name, {.num_classes = c.reference_classes})->num_parameters(), c.params)
        << c.name << " without auxiliary heads";
  }
  model->eval();
  NoGradGuard no_grad;
  Shape input = {1, 3, 64, 64};
  expect_outputs(model->forward_outputs(zeros(input)), c, input, c.reference_classes);
}

// SuperGradients' recipes: a segmentation loss on "out" and every "aux", BCE on "detail".
Tensor loss_of(const Outputs& y, const Tensor& labels) {
  Tensor loss;
  for (const auto& [head, t] : y) {
    Tensor term = head == "detail" ? binary_cross_entropy_with_logits(t, zeros(t.sizes()))
                                   : cross_entropy(t, labels);
    loss = loss.defined() ? loss + term : term;
  }
  return loss;
}

TEST_P(UnetStdc, TrainStepReachesEveryParameter) {
  const ModelCase& c = GetParam();
  auto model = create(c.name, {.num_classes = kClasses, .aux = c.aux});
  // 32x32 keeps the step short: the stride-32 maps are 1x1, which batch 2 lets BatchNorm train on.
  Shape input = {2, 3, 32, 32};
  Generator g(5);
  Tensor x = randn(input, {DType::F32}, &g);
  Tensor labels = randint(0, kClasses, {input[0], input[2], input[3]}, DType::I64, &g);
  Outputs y = model->forward_outputs(x);
  expect_outputs(y, c, input, kClasses);
  Tensor loss = loss_of(y, labels);
  ASSERT_TRUE(std::isfinite(loss.item())) << loss.item();
  loss.backward();
  for (const auto& [name, p] : model->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << c.name << ": no gradient for " << name;
    EXPECT_TRUE(std::isfinite(sum(p.grad() * p.grad()).item())) << c.name << ": " << name;
  }
}

// Without the auxiliary heads, which the shared check's loss leaves out.
TEST_P(UnetStdc, TrainStepMatchesCpu_CUDA) {
  testing::expect_train_step_matches_cpu(GetParam().name, {.num_classes = kClasses},
                                         {2, 3, 32, 32});
}

INSTANTIATE_TEST_SUITE_P(Models, UnetStdc, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ModelCase>& info) {
                           return info.param.name;
                         });

// Other shapes (ModelOptions::unet), counted by the same transcription; a depth of 5 needs inputs
// in multiples of 32.
TEST(UnetStdcModels, UNetShapesMatchTheReference) {
  struct Shaped {
    UNetOptions unet;
    int64_t params;
  };
  for (const Shaped& c : {Shaped{{.base_width = 32, .depth = 3, .batch_norm = false}, 1925634},
                          Shaped{{.base_width = 8, .depth = 5, .bilinear = true}, 1083066}}) {
    auto model = create("unet", {.num_classes = 2, .unet = c.unet});
    EXPECT_EQ(model->num_parameters(), c.params) << c.unet.depth;
    model->eval();
    NoGradGuard no_grad;
    EXPECT_EQ(model->forward(zeros({1, 3, 32, 64})).sizes(), (Shape{1, 2, 32, 64}));
    if (c.unet.depth == 5) EXPECT_ERROR(model->forward(zeros({1, 3, 16, 16})), "32");
  }
  EXPECT_ERROR(create("unet", {.unet = {.depth = 7}}), "model.unet.depth is 7");
  EXPECT_ERROR(create("unet", {.unet = {.base_width = 3}}), "model.unet.base_width is 3");
  EXPECT_ERROR(create("unet_small", {.unet = {.depth = 3}}), "its shape is fixed");
}

TEST(UnetStdcModels, StdcBackbonesGiveStrides8To32) {
  NoGradGuard no_grad;
  for (auto [version, params] : {std::pair{1, 5318304}, std::pair{2, 9348768}}) {
    STDCBackbone net(version);
    EXPECT_EQ(net.num_parameters(), params) << "STDC" << version;
    net.eval();
    nn::OrderedDict<Tensor> f = net.forward_features(zeros({1, 3, 64, 96}));
    EXPECT_EQ(f.keys(), (std::vector<std::string>{"s8", "s16", "s32"}));
    EXPECT_EQ(f.at("s8").sizes(), (Shape{1, 256, 8, 12}));
    EXPECT_EQ(f.at("s32").sizes(), (Shape{1, 1024, 2, 3}));
  }
  // The first block of a stage halves the size; its first step reaches the concatenation
  // through an average pool.
  STDCBlock first(64, 256, 2), rest(256, 256, 1);
  EXPECT_EQ(first.skip_step1->type_name(), "AvgPool2d");
  EXPECT_EQ(rest.skip_step1->type_name(), "Identity");
  EXPECT_EQ(first.forward(zeros({1, 64, 8, 8})).sizes(), (Shape{1, 256, 4, 4}));
}

TEST(UnetStdcModels, BadOptionsAndInputsAreNamed) {
  EXPECT_ERROR(create("unet", {.aux = true}), "unet: has no auxiliary heads");
  auto model = create("pp_liteseg_t", {.num_classes = 2});
  EXPECT_ERROR(model->forward_outputs(zeros({1, 3, 48, 64})),
               "PPLiteSegT: input height and width must be multiples of 32, got 48x64");
  EXPECT_ERROR(model->forward_outputs(zeros({1, 1, 32, 32})),
               "PPLiteSegT: input must be [N, 3, H, W], got [1, 1, 32, 32]");
}

}  // namespace
}  // namespace tessel::models
