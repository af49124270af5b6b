// Optimizers against torch.optim (tests/fixtures/gen_optim.py): from the same two parameters and
// the same 10 gradients, the parameters after every step.
#include <functional>
#include <memory>

#include "kernels/optim.h"  // kOptimChunk: a parameter spanning two chunks
#include "nn/optimizer.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;
using nn::GroupOptions;
using nn::GroupSpec;

namespace {

using MakeOpt = std::function<std::unique_ptr<nn::Optimizer>(const std::vector<Tensor>&)>;

std::map<std::string, Tensor>& fixture() {
  static auto f = load_fixture("optim.txt");
  return f;
}

struct Params {
  Tensor p0 = fixture()["init.p0"].clone().requires_grad_();
  Tensor p1 = fixture()["init.p1"].clone().requires_grad_();
  std::vector<Tensor> list() const { return {p0, p1}; }
  void set_grads(int64_t step) {
    p0.set_grad(fixture()["grads.p0"].select(0, step).clone());
    p1.set_grad(fixture()["grads.p1"].select(0, step).clone());
  }
  void expect_at(const std::string& name, int64_t step) const {
    EXPECT_ALL_CLOSE(p0, fixture()[name + ".p0"].select(0, step), 1e-9, 1e-14)
        << name << " p0 after step " << step + 1;
    EXPECT_ALL_CLOSE(p1, fixture()[name + ".p1"].select(0, step), 1e-9, 1e-14)
        << name << " p1 after step " << step + 1;
  }
};

void expect_matches_torch(const std::string& name, const MakeOpt& make) {
  Params p;
  auto opt = make(p.list());
  for (int64_t s = 0; s < 10; ++s) {
    p.set_grads(s);
    opt->step();
    p.expect_at(name, s);
  }
}

template <typename Opt>
MakeOpt make(GroupOptions o) {
  return [o](const std::vector<Tensor>& params) {
    return std::make_unique<Opt>(std::vector<GroupSpec>{{params}}, o);
  };
}

}  // namespace

TEST(Optim, SgdMatchesTorch) {
  expect_matches_torch("sgd", make<nn::SGD>({.lr = 0.1}));
  expect_matches_torch("sgd_momentum", make<nn::SGD>({.lr = 0.1, .momentum = 0.9}));
  expect_matches_torch("sgd_nesterov",
                       make<nn::SGD>({.lr = 0.1, .momentum = 0.9, .nesterov = true}));
  expect_matches_torch("sgd_dampening",
                       make<nn::SGD>({.lr = 0.1, .momentum = 0.9, .dampening = 0.3}));
  expect_matches_torch("sgd_weight_decay",
                       make<nn::SGD>({.lr = 0.1, .weight_decay = 0.01, .momentum = 0.9}));
}

TEST(Optim, AdamFamilyMatchesTorch) {
  expect_matches_torch("adam", make<nn::Adam>({.lr = 0.01}));
  expect_matches_torch(
      "adam_weight_decay",
      make<nn::Adam>({.lr = 0.01, .weight_decay = 0.1, .beta1 = 0.8, .beta2 = 0.99}));
  expect_matches_torch("adam_amsgrad", make<nn::Adam>({.lr = 0.01, .amsgrad = true}));
  expect_matches_torch("adamw", make<nn::AdamW>({.lr = 0.01, .weight_decay = 0.1}));
  // Padam with p = 1/2 is AMSGrad.
  expect_matches_torch("adam_amsgrad", make<nn::Padam>({.lr = 0.01}));
}

TEST(Optim, GroupsWithTheirOwnLr) {
  expect_matches_torch("sgd_groups", [](const std::vector<Tensor>& p) {
    return std::make_unique<nn::SGD>(std::vector<GroupSpec>{{{p[0]}}, {{p[1]}, 0.01}},
                                     GroupOptions{.lr = 0.1, .momentum = 0.9});
  });
}

TEST(Optim, F32FollowsF64) {
  Params ref;
  Tensor a = ref.p0.detach().to(DType::F32).requires_grad_();
  nn::AdamW opt({{{a}}}, {.lr = 0.01, .weight_decay = 0.1});
  for (int64_t s = 0; s < 10; ++s) {
    a.set_grad(fixture()["grads.p0"].select(0, s).to(DType::F32));
    opt.step();
  }
  EXPECT_ALL_CLOSE(a, fixture()["adamw.p0"].select(0, 9), 1e-5, 1e-6);
}

TEST(Optim, PadamPartialExponent) {
  // First step: m_hat = g and v_hat = g^2, so the update is lr * g / (|g|^(2p) + eps).
  Tensor p = from_vector<double>({1.0, -2.0, 0.5}, {3}, DType::F64).requires_grad_();
  Tensor g = from_vector<double>({0.3, -4.0, 1e-3}, {3}, DType::F64);
  p.set_grad(g);
  nn::Padam opt({{{p}}}, {.lr = 0.1, .partial = 0.125});
  opt.step();
  Tensor expected =
      from_vector<double>({1.0, -2.0, 0.5}, {3}, DType::F64) - 0.1 * g / (pow(abs(g), 0.25) + 1e-8);
  EXPECT_ALL_CLOSE(p, expected, 1e-12, 0);
  EXPECT_TRUE(opt.state(0).buffers.count("max_exp_avg_sq"));
}

TEST(Optim, StateDictRoundTripContinuesIdentically) {
  for (const auto& [name, maker] : std::vector<std::pair<std::string, MakeOpt>>{
           {"adam_amsgrad", make<nn::Adam>({.lr = 0.01, .amsgrad = true})},
           {"sgd_nesterov", make<nn::SGD>({.lr = 0.1, .momentum = 0.9, .nesterov = true})}}) {
    Params first;
    auto opt = maker(first.list());
    for (int64_t s = 0; s < 4; ++s) {
      first.set_grads(s);
      opt->step();
    }
    nn::OptimizerState saved = opt->state_dict();
    Params resumed;  // fresh tensors, given the first run's values
    resumed.p0.detach().copy_(first.p0);
    resumed.p1.detach().copy_(first.p1);
    auto opt2 = maker(resumed.list());
    opt2->load_state_dict(saved);
    EXPECT_EQ(opt2->state(0).step, 4);
    for (int64_t s = 4; s < 10; ++s) {
      resumed.set_grads(s);
      opt2->step();
      resumed.expect_at(name, s);
    }
  }
}

TEST(Optim, StateDictChecksLayout) {
  Params p;
  nn::SGD one({{{p.p0, p.p1}}}, {.lr = 0.1, .momentum = 0.9});
  nn::SGD two({{{p.p0}}, {{p.p1}}}, {.lr = 0.1});
  EXPECT_ERROR(two.load_state_dict(one.state_dict()), "1 parameter groups, the optimizer 2");
  Tensor other = zeros({2}, DType::F64).requires_grad_();
  nn::SGD small({{{p.p0, other}}}, {.lr = 0.1, .momentum = 0.9});
  p.set_grads(0);
  one.step();
  EXPECT_ERROR(small.load_state_dict(one.state_dict()), "has shape [4], the parameter [2]");
}

TEST(Optim, ArgumentErrors) {
  Params p;
  EXPECT_ERROR((nn::SGD({{{p.p0}}, {{p.p0}}}, {.lr = 0.1})), "already appears in an earlier group");
  nn::SGD opt({{{p.p0}}}, {.lr = 0.1});
  p.p0.set_grad(zeros({5, 3}, DType::F64));
  EXPECT_ERROR(opt.step(), "has a gradient of [5, 3]");
  nn::SGD nesterov({{{p.p1}}}, {.lr = 0.1, .nesterov = true});
  p.p1.set_grad(zeros({4}, DType::F64));
  EXPECT_ERROR(nesterov.step(), "nesterov needs momentum > 0");
}

TEST(Optim, SkipsParametersWithoutGradAndZeroGrad) {
  Params p;
  nn::SGD opt({{p.list()}}, {.lr = 0.1});
  p.p0.set_grad(fixture()["grads.p0"].select(0, 0).clone());
  opt.step();
  EXPECT_ALL_CLOSE(p.p1, fixture()["init.p1"], 0, 0);
  EXPECT_EQ(opt.state(1).step, 0);
  opt.zero_grad(false);
  EXPECT_EQ(p.p0.grad().to_vector<double>(), std::vector<double>(15, 0.0));
  opt.zero_grad();
  EXPECT_FALSE(p.p0.grad().defined());
}

TEST(Optim, ParamGroupsNoDecayAndLrMult) {
  nn::NamedTensors named = {
      {"backbone.conv1.weight", zeros({4, 3})},      {"backbone.conv1.bias", zeros({4})},
      {"backbone.bn1.weight", zeros({4})},           {"decode.norm.proj", zeros({2, 2})},
      {"head.conv.weight", zeros({2, 4})},           {"head.conv.bias", zeros({2})},
      {"backbone.layer1.conv.weight", zeros({3, 3})}};
  auto specs = nn::param_groups_no_decay(named, {.lr_mult = {{"head.", 10.0}}});
  nn::SGD opt(specs, {.lr = 0.1, .weight_decay = 0.01});
  const auto& g = opt.param_groups();
  ASSERT_EQ(g.size(), 4u);
  std::vector<size_t> sizes = {g[0].params.size(), g[1].params.size(), g[2].params.size(),
                               g[3].params.size()};
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 3, 1, 1}));
  EXPECT_EQ(g[1].params[2].impl(), named[3].second.impl());  // 2-D, but in a norm layer
  EXPECT_DOUBLE_EQ(g[0].options.weight_decay, 0.01);
  EXPECT_DOUBLE_EQ(g[1].options.weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(g[2].options.lr, 1.0);
  EXPECT_DOUBLE_EQ(g[2].options.weight_decay, 0.01);
  EXPECT_DOUBLE_EQ(g[3].options.weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(g[0].options.lr, 0.1);
}

TEST(OptimClip, GradNormMatchesTorch) {
  for (const auto& [name, max_norm, norm_type, scale] :
       std::vector<std::tuple<std::string, double, double, double>>{
           {"clip2", 1.0, 2.0, 1.0},
           {"clip_inf", 0.5, INFINITY, 1.0},
           {"clip_small", 10.0, 2.0, 0.1}}) {
    Params p;
    p.set_grads(0);
    p.p0.set_grad(p.p0.grad() * scale);
    p.p1.set_grad(p.p1.grad() * scale);
    Tensor norm = nn::clip_grad_norm_(p.list(), max_norm, norm_type);
    EXPECT_NEAR(norm.item(), fixture()[name + ".norm"].item(), 1e-12) << name;
    EXPECT_ALL_CLOSE(p.p0.grad(), fixture()[name + ".g0"], 1e-12, 1e-15) << name;
    EXPECT_ALL_CLOSE(p.p1.grad(), fixture()[name + ".g1"], 1e-12, 1e-15) << name;
  }
}

TEST(OptimClip, GradValue) {
  Tensor p = zeros({4}, DType::F64).requires_grad_();
  p.set_grad(from_vector<double>({-3, -0.5, 0.2, 7}, {4}, DType::F64));
  nn::clip_grad_value_({p}, 1.0);
  EXPECT_EQ(p.grad().to_vector<double>(), (std::vector<double>{-1, -0.5, 0.2, 1}));
}

// Parameters of odd sizes, one spanning several chunks, updated by the fused kernel and on the CPU.
TEST(Optim, FusedMatchesCpu_CUDA) {
  std::vector<Shape> shapes = {{1}, {7, 3}, {2 * kernels::kOptimChunk + 5}, {0}, {33, 17, 3}};
  auto run = [&](Device d, DType t, const MakeOpt& maker) {
    std::vector<Tensor> params;
    for (size_t i = 0; i < shapes.size(); ++i)
      params.push_back(randn_input(shapes[i], 100 + i, DType::F32, false).to(t).to(d));
    auto opt = maker(params);
    for (uint64_t s = 0; s < 3; ++s) {
      for (size_t i = 0; i < shapes.size(); ++i)
        params[i].set_grad(randn_input(shapes[i], 1000 * s + i, DType::F32, false).to(t).to(d));
      opt->step();
    }
    return params;
  };
  for (const MakeOpt& maker :
       {make<nn::SGD>({.lr = 0.1, .weight_decay = 0.01, .momentum = 0.9, .nesterov = true}),
        make<nn::AdamW>({.lr = 0.01, .weight_decay = 0.1, .amsgrad = true}),
        make<nn::Padam>({.lr = 0.1, .partial = 0.125})}) {
    for (DType t : {DType::F32, DType::BF16}) {
      std::vector<Tensor> cpu = run(kCPU, t, maker), gpu = run(cuda_device(0), t, maker);
      double tol = t == DType::F32 ? 1e-5 : 1e-2;
      for (size_t i = 0; i < shapes.size(); ++i)
        EXPECT_ALL_CLOSE(gpu[i].to(kCPU), cpu[i], tol, tol) << "tensor " << i << ", " << t;
    }
  }
}
