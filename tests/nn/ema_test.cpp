// EMA against its formula, swap/copy for evaluation, and checkpoint averaging.
#include <cmath>

#include "nn/ema.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

nn::NamedTensors model(double w, int64_t batches) {
  return {{"conv.weight", full({2, 3}, w, DType::F64).requires_grad_()},
          {"bn.running_mean", full({3}, -w, DType::F32)},
          {"bn.num_batches_tracked", full({}, double(batches), DType::I64)}};
}

}  // namespace

TEST(Ema, WarmupDecayFormulas) {
  nn::Ema fixed(model(0, 0), {.decay = 0.9999, .warmup_tau = 2000});
  EXPECT_DOUBLE_EQ(fixed.decay_at(1), 0.9999 * (1 - std::exp(-1.0 / 2000)));
  // SuperGradients' ExpDecay: decay * (1 - exp(-15 * t / T)).
  nn::Ema by_total(model(0, 0), {.decay = 0.999, .warmup_tau = nn::ema_warmup_tau(3000)});
  EXPECT_NEAR(by_total.decay_at(100), 0.999 * (1 - std::exp(-15.0 * 100 / 3000)), 1e-15);
  nn::Ema constant(model(0, 0), {.decay = 0.99, .warmup_tau = 0});
  EXPECT_EQ(constant.decay_at(1), 0.99);
}

TEST(Ema, UpdateFollowsTheFormula) {
  nn::NamedTensors m = model(1.0, 0);
  nn::Ema ema(m, {.decay = 0.9, .warmup_tau = 3});
  double expected = 1.0;
  for (int64_t t = 1; t <= 5; ++t) {
    double x = double(t) * 2;  // the model moves on between updates
    Tensor(m[0].second).detach().fill_(x);
    Tensor(m[1].second).fill_(-x);
    Tensor(m[2].second).fill_(double(t));
    ema.update(m);
    double d = 0.9 * (1 - std::exp(-double(t) / 3));
    expected = d * expected + (1 - d) * x;
  }
  EXPECT_EQ(ema.updates(), 5);
  EXPECT_ALL_CLOSE(ema.averaged()[0].second, full({2, 3}, expected, DType::F64), 1e-14, 0);
  EXPECT_ALL_CLOSE(ema.averaged()[1].second, full({3}, -expected, DType::F32), 1e-6, 0);
  EXPECT_EQ(ema.averaged()[2].second.item(), 5);  // integers are copied, not averaged
  EXPECT_FALSE(ema.averaged()[0].second.requires_grad());
}

TEST(Ema, SwapAndCopyTo) {
  nn::NamedTensors m = model(1.0, 3);
  nn::Ema ema(m, {.decay = 0.5, .warmup_tau = 0});
  Tensor(m[0].second).detach().fill_(3.0);
  ema.update(m);  // average 2
  ema.swap(m);
  EXPECT_EQ(m[0].second.to_vector<double>()[0], 2.0);
  EXPECT_EQ(ema.averaged()[0].second.to_vector<double>()[0], 3.0);
  ema.swap(m);
  EXPECT_EQ(m[0].second.to_vector<double>()[0], 3.0);
  ema.copy_to(m);
  EXPECT_EQ(m[0].second.to_vector<double>()[0], 2.0);
  EXPECT_TRUE(m[0].second.requires_grad());
}

TEST(Ema, ChecksNamesAndShapes) {
  nn::Ema ema(model(1.0, 0));
  nn::NamedTensors renamed = model(1.0, 0);
  renamed[1].first = "bn.running_var";
  EXPECT_ERROR(ema.update(renamed), "tensor 1 is 'bn.running_var', expected 'bn.running_mean'");
  nn::NamedTensors reshaped = model(1.0, 0);
  reshaped[1].second = zeros({4});
  EXPECT_ERROR(ema.copy_to(reshaped), "'bn.running_mean' has shape [4], expected [3]");
}

TEST(Ema, AverageStateDicts) {
  nn::NamedTensors avg = nn::average_state_dicts({model(1.0, 10), model(2.0, 20), model(6.0, 30)});
  EXPECT_ALL_CLOSE(avg[0].second, full({2, 3}, 3.0, DType::F64), 1e-15, 0);
  EXPECT_EQ(avg[1].second.dtype(), DType::F32);
  EXPECT_ALL_CLOSE(avg[1].second, full({3}, -3.0), 1e-7, 0);
  EXPECT_EQ(avg[2].second.item(), 30);  // num_batches_tracked from the last
  nn::NamedTensors short_dict = model(1.0, 0);
  short_dict.pop_back();
  EXPECT_ERROR(nn::average_state_dicts({model(1.0, 0), short_dict}),
               "dict 1: 2 tensors, expected 3");
}

TEST(Ema, FollowsAModule) {
  auto net = std::make_shared<nn::Module>("Net");
  Tensor w = net->register_parameter("weight", full({2, 2}, 1.0, DType::F64));
  auto bn = net->register_module("bn", std::make_shared<nn::Module>("Norm"));
  bn->register_parameter("weight", full({2}, 1.0, DType::F64));
  Tensor mean = bn->register_buffer("running_mean", full({2}, 4.0, DType::F64));
  nn::Ema ema(*net, {.decay = 0.5, .warmup_tau = 0});
  ASSERT_EQ(ema.averaged().size(), 3u);
  EXPECT_EQ(ema.averaged()[2].first, "bn.running_mean");
  w.detach().fill_(3.0);
  mean.fill_(0.0);
  ema.update(*net);
  ema.copy_to(*net);
  EXPECT_EQ(w.to_vector<double>(), std::vector<double>(4, 2.0));
  EXPECT_EQ(mean.to_vector<double>(), std::vector<double>(2, 2.0));
  auto groups = nn::param_groups_no_decay(*net);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].params[0].impl(), w.impl());
  EXPECT_EQ(groups[1].weight_decay, 0.0);
}
