// ResNet: torchvision's state dict names, shapes and sizes; stage outputs by name, with strides
// traded for dilation; the ImageNet classifier's output.
#include <gtest/gtest.h>

#include "models/resnet.h"
#include "tests/models/torchvision_facts.h"
#include "tests/op_harness.h"

namespace tessel::models {
namespace {

class StateDict : public ::testing::TestWithParam<int64_t> {};

// The ImageNet models: the full list for ResNet-18, count and hash for every depth.
TEST_P(StateDict, EqualsTorchvision) {
  ResNet net(GetParam(), {.num_classes = 1000});
  std::string name = "resnet" + std::to_string(GetParam());
  if (GetParam() == 18) testing::expect_keys_equal_torchvision(net, name);
  testing::expect_counts_equal_torchvision(net, name);
}

INSTANTIATE_TEST_SUITE_P(Resnet, StateDict, ::testing::Values(18, 34, 50, 101));

// Features at 64x64: strides 4, 8, 16, 32, or dilation instead from output stride 8 or 16 on
// (output stride 8 on ResNet-50 is the parity tests').
TEST(Resnet, FeaturesByStageWithDilation) {
  NoGradGuard no_grad;
  Tensor x = testing::randn_input({1, 3, 64, 64}, 1, DType::F32, false);
  struct Case {
    int64_t depth, output_stride;
    Shape layer3, layer4;
  };
  for (const Case& c :
       {Case{18, 32, {1, 256, 4, 4}, {1, 512, 2, 2}}, Case{18, 8, {1, 256, 8, 8}, {1, 512, 8, 8}},
        Case{50, 16, {1, 1024, 4, 4}, {1, 2048, 4, 4}}}) {
    ResNet net(c.depth,
               {.replace_stride_with_dilation = dilation_for_output_stride(c.output_stride)});
    net.eval();
    nn::OrderedDict<Tensor> f = net.forward_features(x);
    EXPECT_EQ(f.keys(), (std::vector<std::string>{"layer1", "layer2", "layer3", "layer4"}));
    int64_t e = c.depth >= 50 ? 4 : 1;
    EXPECT_EQ(f.at("layer1").sizes(), (Shape{1, 64 * e, 16, 16})) << c.depth;
    EXPECT_EQ(f.at("layer3").sizes(), c.layer3) << c.depth << " os " << c.output_stride;
    EXPECT_EQ(f.at("layer4").sizes(), c.layer4) << c.depth << " os " << c.output_stride;
    EXPECT_EQ(net.out_channels(4), c.layer4[1]);
  }
}

// A dilated block keeps the padding equal to the dilation (torchvision's conv3x3).
TEST(Resnet, DilatedConvolutionsPadByTheirDilation) {
  ResNet net(50, {.replace_stride_with_dilation = dilation_for_output_stride(8)});
  auto conv = [&](const std::string& path) { return net.get_submodule(path)->as<nn::Conv2d>(); };
  EXPECT_EQ(conv("layer3.0.conv2")->dilation, (Size2{1, 1}));  // the first block keeps the old one
  EXPECT_EQ(conv("layer3.0.conv2")->stride, (Size2{1, 1}));
  EXPECT_EQ(conv("layer3.1.conv2")->dilation, (Size2{2, 2}));
  EXPECT_EQ(conv("layer4.0.conv2")->dilation, (Size2{2, 2}));
  EXPECT_EQ(conv("layer4.2.conv2")->padding, (Size2{4, 4}));
  EXPECT_EQ(conv("layer4.0.downsample.0")->stride, (Size2{1, 1}));
  EXPECT_ERROR(net.forward(zeros({1, 3, 32, 32})), "use forward_features");
}

TEST(Resnet, ClassifierAndErrors) {
  ResNet net(18, {.num_classes = 10});
  net.eval();
  NoGradGuard no_grad;
  EXPECT_EQ(net.forward(testing::randn_input({2, 3, 32, 32}, 2, DType::F32, false)).sizes(),
            (Shape{2, 10}));
  EXPECT_ERROR(ResNet(20), "depth 20");
  EXPECT_ERROR(dilation_for_output_stride(4), "output_stride 4");
}

}  // namespace
}  // namespace tessel::models
