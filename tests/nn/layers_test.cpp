// nn layers: forward and backward against PyTorch (tests/fixtures/gen_nn_layers.py, weights loaded
// through load_state_dict), finite-difference gradchecks in f64, PyTorch's default
// initialisations and nn::init's statistics, and each layer's printed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/nn.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

namespace tessel::nn {
namespace {

using ::tessel::testing::expect_gradcheck;

const std::map<std::string, Tensor>& fixture() {
  static const auto f = testing::load_fixture("nn_layers.txt");
  return f;
}

// Entries of case `name` under `group` ("p", "grad", "after"), keyed by the rest of the name.
StateDict group_of(const std::string& name, const std::string& group) {
  StateDict d;
  std::string prefix = name + "." + group + ".";
  for (const auto& [k, v] : fixture())
    if (k.rfind(prefix, 0) == 0) d.insert(k.substr(prefix.size()), v);
  return d;
}

// Loads case `name`'s PyTorch weights into `m` (in f64), runs it on the case's input and checks
// the output, the input gradient, every parameter gradient and, where stored, the state after.
// `grad_tol`: PyTorch computes some f64 gradients with f32 constants (hardsigmoid's 1/6).
void check_case(const std::string& name, Module& m, double grad_tol = 1e-9) {
  SCOPED_TRACE(name);
  const auto& f = fixture();
  m.to(DType::F64);
  m.zero_grad();
  m.load_state_dict(group_of(name, "p"));
  Tensor x = f.at(name + ".x").clone().requires_grad_();
  Tensor out = m.forward(x);
  EXPECT_ALL_CLOSE(out, f.at(name + ".out"), 1e-10, 1e-10);
  sum(out * f.at(name + ".g")).backward();
  EXPECT_ALL_CLOSE(x.grad(), f.at(name + ".gx"), grad_tol, 1e-10);
  StateDict grads = group_of(name, "grad");  // sorted by name, as the fixture's map
  auto params = m.named_parameters();
  std::vector<std::string> names = params.keys();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(grads.keys(), names);
  for (const auto& [k, g] : grads) EXPECT_ALL_CLOSE(params.at(k).grad(), g, 1e-9, 1e-10) << k;
  for (const auto& [k, v] : group_of(name, "after"))
    EXPECT_ALL_CLOSE(m.state_dict().at(k), v, 1e-12, 1e-12) << k;
}

TEST(NnLayers, ConvolutionsMatchPyTorch) {
  Conv2d conv(4, 6, 3, 2, 1, 1, 2);
  check_case("conv", conv);
  Conv2d reflect(3, 4, Int2{3, 2}, 1, Int2{1, 2}, Int2{1, 2}, 1, false, "reflect");
  check_case("conv_reflect", reflect);
  ConvTranspose2d convt(4, 6, 3, 2, 1, 1, 2);
  check_case("convt", convt);
}

// PyTorch's forward(input, output_size): the output padding that reaches the size, within the
// stride above the smallest one, (4 - 1) * 2 - 2 + 3 = 7 rows and 9 columns here.
TEST(NnLayers, ConvTransposeToAnOutputSize) {
  ConvTranspose2d up(2, 3, 3, 2, 1);
  Tensor x = zeros({1, 2, 4, 5});
  EXPECT_EQ(up.forward(x, {8, 9}).sizes(), (Shape{1, 3, 8, 9}));
  EXPECT_EQ(up.forward(x, {7, 10}).sizes(), (Shape{1, 3, 7, 10}));
  EXPECT_ERROR(up.forward(x, {9, 9}), "dimension 0 can be 7 to 8");
}

TEST(NnLayers, LinearMatchesPyTorch) {
  Linear linear(5, 3);
  check_case("linear", linear);
}

TEST(NnLayers, BatchNormMatchesPyTorch) {
  BatchNorm2d bn(4, 1e-5, 0.2);
  check_case("bn_train", bn);  // also the updated running stats and num_batches_tracked == 1
  bn.eval();
  check_case("bn_eval", bn);
  BatchNorm2d cma(3, 1e-5, std::nullopt);  // momentum None: cumulative average
  check_case("bn_cma1", cma);
  cma.zero_grad();
  check_case("bn_cma2", cma);
  EXPECT_EQ(cma.num_batches_tracked.item(), 2);
  BatchNorm2d plain(3, 1e-5, 0.1, false, false);  // batch statistics even in eval
  plain.eval();
  check_case("bn_nostats", plain);
  EXPECT_TRUE(plain.state_dict().empty());
  EXPECT_ERROR(bn.forward(zeros({4, 3, 3}, DType::F64)), "expected 4D input (got 3D input");
}

TEST(NnLayers, GroupAndLayerNormMatchPyTorch) {
  GroupNorm gn(2, 6);
  check_case("gn", gn);
  LayerNorm ln(Shape{3, 4});
  check_case("ln", ln);
  EXPECT_ERROR(GroupNorm(4, 6), "num_channels (6) must be divisible by num_groups (4)");
}

TEST(NnLayers, ActivationsMatchPyTorch) {
  ReLU relu;
  ReLU6 relu6;
  LeakyReLU leaky(0.2);
  ELU elu(0.5);
  Hardsigmoid hardsigmoid;
  Hardswish hardswish;
  SiLU silu;
  GELU gelu, gelu_tanh("tanh");
  Sigmoid sigmoid;
  Tanh tanh_;
  std::vector<std::pair<std::string, Module*>> cases = {{"relu", &relu},
                                                        {"relu6", &relu6},
                                                        {"leaky_relu", &leaky},
                                                        {"elu", &elu},
                                                        {"hardsigmoid", &hardsigmoid},
                                                        {"hardswish", &hardswish},
                                                        {"silu", &silu},
                                                        {"gelu", &gelu},
                                                        {"gelu_tanh", &gelu_tanh},
                                                        {"sigmoid", &sigmoid},
                                                        {"tanh", &tanh_}};
  for (auto& [name, m] : cases) check_case(name, *m, name == "hardsigmoid" ? 1e-7 : 1e-9);
  EXPECT_ERROR(GELU("fast"), "approximate 'fast'");
  PReLU prelu, prelu_channels(3);
  EXPECT_ALL_CLOSE(prelu.weight, full({1}, 0.25), 0, 0);
  check_case("prelu", prelu);
  check_case("prelu_channels", prelu_channels);
}

TEST(NnLayers, PoolingMatchesPyTorch) {
  MaxPool2d max(3, 2, 1);
  check_case("maxpool", max);
  MaxPool2d max_ceil(Int2{3, 2}, Int2{2, 1}, 0, Int2{1, 2}, false, true);
  check_case("maxpool_ceil", max_ceil);
  auto [values, indices] = max.forward_with_indices(fixture().at("maxpool.x"));
  EXPECT_ALL_CLOSE(values, fixture().at("maxpool.out"), 0, 0);
  EXPECT_EQ(indices.dtype(), DType::I64);
  AvgPool2d avg(3, 2, 1, true, false);
  check_case("avgpool", avg);
  AdaptiveAvgPool2d adaptive(Int2{3, 2});
  check_case("adaptive", adaptive);
}

TEST(NnLayers, UpsampleMatchesPyTorch) {
  Upsample bilinear({.scale_factor = 2.0, .mode = "bilinear", .align_corners = false});
  check_case("up_bilinear", bilinear);
  Upsample corners({.size = Int2{5, 7}, .mode = "bilinear", .align_corners = true});
  check_case("up_bilinear_ac", corners);
  Upsample nearest({.scale_factor = Float2{2, 1.5}});
  check_case("up_nearest", nearest);
  EXPECT_ERROR(Upsample({}), "exactly one of size and scale_factor");
  EXPECT_ERROR(Upsample({.size = 4, .scale_factor = 2.0}), "exactly one");
  EXPECT_ERROR(Upsample({.size = 4, .mode = "bicubic"}), "mode 'bicubic'");
  EXPECT_ERROR(Upsample({.size = 4, .align_corners = true}), "align_corners can only be set");
}

TEST(NnLayers, DropoutFollowsTheTrainingFlag) {
  Dropout drop(0.25);
  Tensor x = ones({64, 64});
  Tensor y = drop(x);
  std::vector<float> v = y.to_vector<float>();
  double zeros_seen = 0;
  for (float e : v) {
    EXPECT_TRUE(e == 0.0f || std::abs(e - 1 / 0.75f) < 1e-6) << e;
    zeros_seen += e == 0.0f;
  }
  EXPECT_NEAR(zeros_seen / double(v.size()), 0.25, 0.03);
  drop.eval();
  EXPECT_EQ(drop(x).impl(), x.impl());  // the input itself

  Dropout2d drop2d(0.5);
  Tensor planes = drop2d(ones({4, 16, 3, 3}));
  Tensor per_channel = sum(planes, {2, 3});  // 0 or 9 * 2 per channel
  for (float s : per_channel.to_vector<float>()) EXPECT_TRUE(s == 0.0f || s == 18.0f) << s;
  // A given generator makes the mask reproducible.
  Generator g1(7), g2(7);
  drop.train();
  drop.generator = &g1;
  Tensor a = drop(x);
  drop.generator = &g2;
  EXPECT_ALL_CLOSE(drop(x), a, 0, 0);
  EXPECT_ERROR(Dropout(1.5), "between 0 and 1, but got 1.5");
}

// Finite differences in f64 through the modules, for the input and every parameter.
TEST(NnLayers, GradcheckThroughModules) {
  manual_seed(3);
  auto check = [](Module& m, const Shape& x_shape) {
    SCOPED_TRACE(m.type_name());
    m.to(DType::F64);
    std::vector<Tensor> inputs{testing::randn_input(x_shape, 11)};
    for (const Tensor& p : m.parameters()) inputs.push_back(p);
    expect_gradcheck([&](const std::vector<Tensor>& in) { return m.forward(in[0]); }, inputs);
  };
  Conv2d conv(4, 4, 3, 2, 1, 2, 2);
  check(conv, {1, 4, 6, 5});
  ConvTranspose2d convt(2, 3, Int2{2, 3}, 2, 1, 1);
  check(convt, {1, 2, 3, 3});
  BatchNorm2d bn(3);
  check(bn, {2, 3, 2, 3});
  GroupNorm gn(2, 4);
  check(gn, {2, 4, 2, 2});
  LayerNorm ln(5);
  check(ln, {3, 5});
  Linear linear(4, 3);
  check(linear, {2, 4});
  GELU gelu_tanh("tanh");
  check(gelu_tanh, {2, 5});
}

// --- Initialisation.

struct Stats {
  double min, max, mean, std;
};
Stats stats_of(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Stats s{v[0], v[0], 0, 0};
  for (double e : v) s.min = std::min(s.min, e), s.max = std::max(s.max, e), s.mean += e;
  s.mean /= double(v.size());
  for (double e : v) s.std += (e - s.mean) * (e - s.mean);
  s.std = std::sqrt(s.std / double(v.size() - 1));
  return s;
}

// Uniform on [-bound, bound]: inside, reaching close to both ends, with std bound / sqrt(3).
void expect_uniform(const Tensor& t, double bound) {
  Stats s = stats_of(t);
  EXPECT_GE(s.min, -bound);
  EXPECT_LE(s.max, bound);
  EXPECT_LT(s.min, -0.95 * bound);
  EXPECT_GT(s.max, 0.95 * bound);
  EXPECT_NEAR(s.std, bound / std::sqrt(3.0), 0.05 * bound);
  EXPECT_NEAR(s.mean, 0, 0.05 * bound);
}

TEST(NnInit, PyTorchDefaultInitialisation) {
  manual_seed(0);
  // kaiming_uniform_(a = sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias has that bound.
  Conv2d conv(16, 64, 3, 1, 1, 1, 2);  // fan_in = 16 / 2 * 9
  expect_uniform(conv.weight, 1 / std::sqrt(72.0));
  Conv2d wide(64, 512, 1);  // enough bias values for statistics
  expect_uniform(wide.bias, 1 / std::sqrt(64.0));
  ConvTranspose2d convt(32, 64, 2);  // fan_in from weight.size(1) = 64, times 4
  expect_uniform(convt.weight, 1 / std::sqrt(256.0));
  Linear linear(100, 400);
  expect_uniform(linear.weight, 0.1);
  expect_uniform(linear.bias, 0.1);
  BatchNorm2d bn(8);
  GroupNorm gn(2, 8);
  LayerNorm ln(8);
  for (Module* m : std::initializer_list<Module*>{&bn, &gn, &ln}) {
    EXPECT_EQ(stats_of(m->get_parameter("weight")).min, 1.0);
    EXPECT_EQ(stats_of(m->get_parameter("weight")).max, 1.0);
    EXPECT_EQ(sum(abs(m->get_parameter("bias"))).item(), 0.0);
  }
  EXPECT_EQ(sum(bn.running_mean).item(), 0.0);
  EXPECT_EQ(sum(bn.running_var).item(), 8.0);
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0);
  // The engine's seed makes initialisation reproducible.
  manual_seed(5);
  Conv2d a(3, 4, 3);
  manual_seed(5);
  Conv2d b(3, 4, 3);
  EXPECT_ALL_CLOSE(a.weight, b.weight, 0, 0);
  EXPECT_ALL_CLOSE(a.bias, b.bias, 0, 0);
}

TEST(NnInit, KaimingAndXavierStatistics) {
  Generator g(42);
  Tensor w = empty({256, 128, 3, 3});  // fan_in 1152, fan_out 2304
  const double fan_in = 1152, fan_out = 2304;
  init::kaiming_uniform_(w, 0, init::FanMode::FanIn, init::Nonlinearity::ReLU, &g);
  expect_uniform(w, std::sqrt(2.0) * std::sqrt(3 / fan_in));
  init::kaiming_uniform_(w, 0.2, init::FanMode::FanOut, init::Nonlinearity::LeakyReLU, &g);
  expect_uniform(w, std::sqrt(2 / (1 + 0.04)) * std::sqrt(3 / fan_out));
  init::kaiming_normal_(w, 0, init::FanMode::FanOut, init::Nonlinearity::ReLU, &g);
  EXPECT_NEAR(stats_of(w).std, std::sqrt(2 / fan_out), 0.01 * std::sqrt(2 / fan_out));
  EXPECT_NEAR(stats_of(w).mean, 0, 0.01 * std::sqrt(2 / fan_out));
  init::xavier_uniform_(w, 2.0, &g);
  expect_uniform(w, 2 * std::sqrt(6 / (fan_in + fan_out)));
  init::xavier_normal_(w, 1.0, &g);
  EXPECT_NEAR(stats_of(w).std, std::sqrt(2 / (fan_in + fan_out)),
              0.01 * std::sqrt(2 / (fan_in + fan_out)));
  init::normal_(w, 3, 0.5, &g);
  EXPECT_NEAR(stats_of(w).mean, 3, 0.005);
  EXPECT_NEAR(stats_of(w).std, 0.5, 0.005);
  init::uniform_(w, -2, 5, &g);
  EXPECT_GE(stats_of(w).min, -2);
  EXPECT_LE(stats_of(w).max, 5);
  EXPECT_NEAR(stats_of(w).mean, 1.5, 0.02);
  init::trunc_normal_(w, 0, 1, -1, 1.5, &g);
  EXPECT_GE(stats_of(w).min, -1);
  EXPECT_LE(stats_of(w).max, 1.5);
  init::constant_(w, 0.25);
  EXPECT_EQ(stats_of(w).min, 0.25);
  EXPECT_EQ(stats_of(w).max, 0.25);
  init::ones_(w);
  EXPECT_EQ(stats_of(w).min, 1.0);
  init::zeros_(w);
  EXPECT_EQ(stats_of(w).max, 0.0);

  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::Tanh), 5.0 / 3);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::LeakyReLU), std::sqrt(2 / 1.0001));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(w), (std::pair<int64_t, int64_t>{1152, 2304}));
  EXPECT_ERROR(init::xavier_uniform_(zeros({5})), "fewer than 2 dims");
  // Initialising a parameter records nothing and keeps it a leaf.
  Tensor p = zeros({4, 4}).requires_grad_();
  init::kaiming_uniform_(p);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  // f64 and f16 tensors are filled in their own dtype.
  Tensor d = empty({64, 64}, DType::F64), h = empty({64, 64}, DType::F16);
  init::normal_(d, 0, 1, &g);
  init::uniform_(h, -1, 1, &g);
  EXPECT_NEAR(stats_of(d).std, 1, 0.05);
  EXPECT_LE(stats_of(h).max, 1);
}

TEST(NnLayers, ExtraReprAsPyTorch) {
  auto s = [](const Module& m) { return m.summary(); };
  EXPECT_EQ(s(Conv2d(8, 8, 3, 1, 2, 2, 8, true, "reflect")),
            "Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(2, 2), dilation=(2, 2), "
            "groups=8, padding_mode=reflect)");
  EXPECT_EQ(s(ConvTranspose2d(8, 4, 2, 2, 0, 1, 1, false)),
            "ConvTranspose2d(8, 4, kernel_size=(2, 2), stride=(2, 2), output_padding=(1, 1), "
            "bias=False)");
  EXPECT_EQ(s(BatchNorm2d(8, 1e-5, std::nullopt)),
            "BatchNorm2d(8, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
  EXPECT_EQ(s(LayerNorm(Shape{4, 5})), "LayerNorm((4, 5), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(s(GroupNorm(32, 64, 1e-6)), "GroupNorm(32, 64, eps=1e-06, affine=True)");
  EXPECT_EQ(s(Linear(3, 4, false)), "Linear(in_features=3, out_features=4, bias=False)");
  EXPECT_EQ(s(MaxPool2d(Int2{3, 2})),
            "MaxPool2d(kernel_size=(3, 2), stride=(3, 2), padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(s(MaxUnpool2d(2)), "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  EXPECT_EQ(s(MaxUnpool2d(Int2{3, 2}, 1, 1)),
            "MaxUnpool2d(kernel_size=(3, 2), stride=(1, 1), padding=(1, 1))");
  EXPECT_EQ(s(PReLU(3)), "PReLU(num_parameters=3)");
  EXPECT_EQ(s(AvgPool2d(2)), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(s(AdaptiveAvgPool2d(Int2{1, 1})), "AdaptiveAvgPool2d(output_size=(1, 1))");
  EXPECT_EQ(s(Upsample({.scale_factor = Float2{2, 0.5}})),
            "Upsample(scale_factor=(2.0, 0.5), mode='nearest')");
  EXPECT_EQ(s(Dropout2d(0.1)), "Dropout2d(p=0.1, inplace=False)");
  EXPECT_EQ(s(LeakyReLU()), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(s(ReLU()), "ReLU()");
  EXPECT_EQ(repr(1e-5), "1e-05");
  EXPECT_EQ(repr(100.0), "100.0");
  EXPECT_EQ(repr(0.1), "0.1");
  EXPECT_EQ(repr(1e16), "1e+16");
  EXPECT_EQ(repr(0.0001), "0.0001");
  EXPECT_EQ(repr(-2.5), "-2.5");
}

// --- CUDA: layers give the same outputs and gradients on the GPU.
TEST(NnLayers, ModulesOnCudaMatchCpu_CUDA) {
  manual_seed(9);
  auto net = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
      std::make_shared<Conv2d>(3, 8, 3, 2, 1), std::make_shared<BatchNorm2d>(8),
      std::make_shared<ReLU>(), std::make_shared<Conv2d>(8, 8, 3, 1, 1, 1, 4, true, "reflect"),
      std::make_shared<GroupNorm>(2, 8), std::make_shared<Hardswish>(),
      std::make_shared<MaxPool2d>(3, 2, 1), std::make_shared<ConvTranspose2d>(8, 4, 2, 2),
      std::make_shared<Upsample>(Upsample::Options{.scale_factor = 2.0, .mode = "bilinear"}),
      std::make_shared<AdaptiveAvgPool2d>(3), std::make_shared<LayerNorm>(Shape{3, 3})});
  net->to(DType::F64);
  Tensor x = testing::randn_input({2, 3, 13, 11}, 8, DType::F64, false);
  Tensor cpu_out = (*net)(x);
  sum(cpu_out * cpu_out).backward();
  std::vector<Tensor> cpu_grads;
  for (const Tensor& p : net->parameters()) cpu_grads.push_back(p.grad().clone());
  net->zero_grad();
  net->to(cuda_device(0));  // training mode: batch statistics, so the outputs compare
  net->to(DType::F32);
  Tensor gpu_out = (*net)(x.to(DType::F32).to(cuda_device(0)));
  EXPECT_ALL_CLOSE(gpu_out.to(kCPU), cpu_out, 1e-3, 1e-4);
  sum(gpu_out * gpu_out).backward();
  auto params = net->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_ALL_CLOSE(params[i].grad().to(kCPU), cpu_grads[i], 1e-3, 1e-3) << i;
  EXPECT_EQ(net->get_buffer("1.num_batches_tracked").item(), 2);
}

}  // namespace
}  // namespace tessel::nn
