// Every schedule's lr over a whole run against torch.optim.lr_scheduler (or a formula where
// PyTorch has none), for two groups with base lr 0.1 and 0.01: tests/fixtures/gen_optim.py.
#include <functional>
#include <memory>

#include "nn/lr_scheduler.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;
using nn::LrScheduler;

namespace {

std::map<std::string, Tensor>& fixture() {
  static auto f = load_fixture("lr_scheduler.txt");
  return f;
}

struct TwoGroups {
  Tensor a = zeros({1}).requires_grad_(), b = zeros({1}).requires_grad_();
  std::unique_ptr<nn::Optimizer> opt;
  explicit TwoGroups(bool adam = false) {
    std::vector<nn::GroupSpec> groups = {{{a}}, {{b}, 0.01}};
    if (adam)
      opt = std::make_unique<nn::Adam>(groups, nn::GroupOptions{.lr = 0.1});
    else
      opt = std::make_unique<nn::SGD>(groups, nn::GroupOptions{.lr = 0.1, .momentum = 0.9});
  }
  // (lr or momentum of group 0, of group 1)
  std::vector<double> read(bool momentum, bool adam) const {
    std::vector<double> v;
    for (const auto& g : opt->param_groups())
      v.push_back(!momentum ? g.options.lr : adam ? g.options.beta1 : g.options.momentum);
    return v;
  }
};

using MakeSched = std::function<std::unique_ptr<LrScheduler>(nn::Optimizer&)>;

// Steps the schedule through the fixture's length, checking every group's lr (and momentum when
// the fixture has it) after construction and after each step.
void expect_schedule(const std::string& name, const MakeSched& make, bool adam = false) {
  TwoGroups setup(adam);
  auto sched = make(*setup.opt);
  const Tensor& lr = fixture().at(name + ".lr");
  const Tensor* mom =
      fixture().count(name + ".momentum") ? &fixture()[name + ".momentum"] : nullptr;
  for (int64_t t = 0; t < lr.size(0); ++t) {
    if (t > 0) sched->step();
    EXPECT_TRUE(all_close(from_vector(setup.read(false, adam), {2}, DType::F64), lr.select(0, t),
                          1e-12, 1e-15))
        << name << " lr at step " << t;
    if (mom) {
      EXPECT_TRUE(all_close(from_vector(setup.read(true, adam), {2}, DType::F64), mom->select(0, t),
                            1e-12, 1e-15))
          << name << " momentum at step " << t;
    }
  }
}

}  // namespace

TEST(LrScheduler, StepAndMultiStep) {
  expect_schedule("step", [](nn::Optimizer& o) { return std::make_unique<nn::StepLR>(o, 3, 0.5); });
  expect_schedule("multistep", [](nn::Optimizer& o) {
    return std::make_unique<nn::MultiStepLR>(o, std::vector<int64_t>{7, 3, 8}, 0.1);
  });
}

TEST(LrScheduler, Poly) {
  expect_schedule("poly",
                  [](nn::Optimizer& o) { return std::make_unique<nn::PolyLR>(o, 20, 0.9); });
  expect_schedule("poly_min",
                  [](nn::Optimizer& o) { return std::make_unique<nn::PolyLR>(o, 20, 0.9, 1e-4); });
}

TEST(LrScheduler, Cosine) {
  expect_schedule("cosine", [](nn::Optimizer& o) {
    return std::make_unique<nn::CosineLR>(o, 20, nn::CosineLR::Options{.eta_min = 0.001});
  });
  TwoGroups setup;
  nn::CosineLR ratio(*setup.opt, 10, {.final_lr_ratio = 0.05});
  for (int i = 0; i < 10; ++i) ratio.step();
  EXPECT_NEAR(ratio.last_lr()[0], 0.005, 1e-15);
  EXPECT_NEAR(ratio.last_lr()[1], 0.0005, 1e-16);
}

TEST(LrScheduler, OneCycle) {
  expect_schedule("onecycle", [](nn::Optimizer& o) {
    return std::make_unique<nn::OneCycleLR>(
        o, nn::OneCycleLR::Options{.max_lr = {0.1, 0.01}, .total_steps = 30});
  });
  expect_schedule("onecycle_three_linear", [](nn::Optimizer& o) {
    return std::make_unique<nn::OneCycleLR>(o, nn::OneCycleLR::Options{.max_lr = {0.2, 0.05},
                                                                       .total_steps = 25,
                                                                       .pct_start = 0.2,
                                                                       .cos_anneal = false,
                                                                       .div_factor = 10,
                                                                       .final_div_factor = 100,
                                                                       .three_phase = true});
  });
  expect_schedule(
      "onecycle_adam",
      [](nn::Optimizer& o) {
        return std::make_unique<nn::OneCycleLR>(
            o, nn::OneCycleLR::Options{.max_lr = {0.1, 0.01}, .total_steps = 20});
      },
      true);
  TwoGroups setup;
  nn::OneCycleLR past(*setup.opt, {.max_lr = {0.1}, .total_steps = 2});
  past.step();
  past.step();
  EXPECT_ERROR(past.step(), "more than total_steps 2");
}

TEST(LrScheduler, Warmup) {
  expect_schedule("warmup_cosine", [](nn::Optimizer& o) {
    return std::make_unique<nn::WarmupLR>(std::make_unique<nn::CosineLR>(o, 15),
                                          nn::WarmupLR::Options{.iters = 5, .start_factor = 0.1});
  });
  expect_schedule("warmup_poly", [](nn::Optimizer& o) {
    return std::make_unique<nn::WarmupLR>(std::make_unique<nn::PolyLR>(o, 16, 2.0),
                                          nn::WarmupLR::Options{.iters = 4, .start_factor = 0.25});
  });
  expect_schedule("warmup_exp_step", [](nn::Optimizer& o) {
    return std::make_unique<nn::WarmupLR>(
        std::make_unique<nn::StepLR>(o, 3, 0.5),
        nn::WarmupLR::Options{.iters = 4, .start_factor = 0.01, .exponential = true});
  });
}

TEST(LrScheduler, StateDictResumes) {
  TwoGroups first, second;
  nn::CosineLR a(*first.opt, 20), b(*second.opt, 20);
  for (int i = 0; i < 7; ++i) a.step();
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.last_epoch(), 7);
  EXPECT_EQ(b.last_lr(), a.last_lr());
  a.step();
  b.step();
  EXPECT_EQ(b.last_lr(), a.last_lr());
  EXPECT_ERROR(b.load_state_dict({}), "no key 'last_epoch'");
}

namespace {

void expect_plateau(const std::string& name, nn::ReduceLROnPlateau::Options options) {
  TwoGroups setup;
  nn::ReduceLROnPlateau sched(*setup.opt, options);
  std::vector<double> metrics = fixture()["plateau.metrics"].to_vector<double>();
  const Tensor& lr = fixture()[name + ".lr"];
  for (size_t t = 0; t <= metrics.size(); ++t) {
    if (t > 0) sched.step(metrics[t - 1]);
    EXPECT_TRUE(all_close(from_vector(setup.read(false, false), {2}, DType::F64),
                          lr.select(0, int64_t(t)), 1e-12, 1e-15))
        << name << " after metric " << t;
  }
}

}  // namespace

TEST(LrScheduler, ReduceLROnPlateau) {
  expect_plateau(
      "plateau_min_rel",
      {.factor = 0.5, .patience = 2, .threshold = 0.01, .cooldown = 1, .min_lr = {0.004, 0.0}});
  expect_plateau(
      "plateau_max_abs",
      {.maximize = true, .factor = 0.3, .patience = 1, .threshold = 0.05, .relative = false});
  TwoGroups setup;
  EXPECT_ERROR(nn::ReduceLROnPlateau(*setup.opt, {.min_lr = {0, 0, 0}}),
               "3 values for an optimizer with 2 groups");
}
