// DistributedDataParallel on 2 ranks (threads over Gloo on 127.0.0.1) against one process with
// the whole batch.
#include "nn/ddp.h"

#include <gtest/gtest.h>

#include "engine/ops.h"
#include "nn/activation.h"
#include "nn/conv.h"
#include "tests/dist/ranks.h"
#include "tests/op_harness.h"

namespace tessel::nn {
namespace {

struct Net : Module {
  std::shared_ptr<Conv2d> conv1, conv2;
  Tensor unused;  // touched only with use_extra
  bool use_extra = false;
  Net() : Module("Net") {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(3, 8, 3, 1, 1));
    conv2 = register_module("conv2", std::make_shared<Conv2d>(8, 4, 1));
    unused = register_parameter("extra", zeros({5}));
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = conv2->forward(relu(conv1->forward(x)));
    return use_extra ? add(y, sum(unused)) : y;
  }
};

std::shared_ptr<Net> make_net(DType dtype, uint64_t seed) {
  manual_seed(seed);
  auto net = std::make_shared<Net>();
  net->to(dtype);
  return net;
}

Tensor loss_of(Net& net, const Tensor& x, const Tensor& target) {
  Tensor d = sub(net.forward(x), target);
  return mean(mul(d, d));
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.detach().to_vector<double>() == b.detach().to_vector<double>();
}

// One step of batch 2B in one process against 2 ranks of B each: gradients and SGD-updated
// weights agree, and every rank holds bit-identical gradients.
void check_step_matches_single_process(DType dtype, double rtol) {
  const int64_t b = 3;
  manual_seed(7);
  Tensor x = randn({2 * b, 3, 9, 7}, dtype), target = randn({2 * b, 4, 9, 7}, dtype);
  auto reference = make_net(dtype, 1);
  loss_of(*reference, x, target).backward();
  // Rank 1 starts from other weights: wrapping broadcasts rank 0's.
  std::vector<std::shared_ptr<Net>> nets = {make_net(dtype, 1), make_net(dtype, 2)};
  std::vector<std::map<std::string, Tensor>> grads(2);
  dist::testing::run_ranks(2, [&](int rank, dist::ProcessGroup& g) {
    std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
    DistributedDataParallel ddp(
        nets[rank], group,
        {.bucket_bytes = 200, .last_bucket_bytes = 100, .find_unused_parameters = true});
    Tensor xs = x.narrow(0, rank * b, b), ts = target.narrow(0, rank * b, b);
    loss_of(*nets[rank], xs, ts).backward();
    for (auto& [name, t] : nets[rank]->named_parameters()) grads[rank][name] = t.grad().clone();
  });
  auto ref_params = reference->named_parameters();
  for (auto& [name, ref] : ref_params) {
    Tensor g0 = grads[0][name], g1 = grads[1][name];
    Tensor ref_grad = ref.grad().defined() ? ref.grad() : zeros_like(ref);
    EXPECT_TRUE(same_bits(g0, g1)) << name << ": ranks hold different gradients";
    EXPECT_TRUE(tessel::testing::all_close(g0, ref_grad, rtol, rtol)) << name << "\n"
                                                                      << g0 << "\n"
                                                                      << ref_grad;
    // The SGD step from there.
    Tensor w_ddp = sub(nets[0]->named_parameters()[name].detach(), g0, 0.1);
    Tensor w_ref = sub(ref.detach(), ref_grad, 0.1);
    EXPECT_TRUE(tessel::testing::all_close(w_ddp, w_ref, rtol, rtol)) << name;
  }
  // Rank 1's weights are rank 0's after wrapping.
  for (auto& [name, t] : nets[1]->named_parameters())
    EXPECT_TRUE(same_bits(t, nets[0]->named_parameters()[name])) << name;
}

TEST(Ddp, StepOnTwoRanksEqualsOneProcessWithTheWholeBatchF32) {
  check_step_matches_single_process(DType::F32, 1e-6);
}

TEST(Ddp, StepOnTwoRanksEqualsOneProcessWithTheWholeBatchF64) {
  check_step_matches_single_process(DType::F64, 1e-13);
}

TEST(Ddp, BucketsFollowReverseRegistrationOrderAndTheCap) {
  auto net = make_net(DType::F32, 1);
  dist::testing::run_ranks(1, [&](int, dist::ProcessGroup& g) {
    std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
    // Filled in registration order: extra 20 B (the last bucket, capped at 40 B), conv1.weight
    // 864 B (over the cap alone), conv1.bias 32 + conv2.weight 128 + conv2.bias 16 = 176 B;
    // reduced in reverse.
    DistributedDataParallel ddp(net, group, {.bucket_bytes = 180, .last_bucket_bytes = 40});
    EXPECT_EQ(ddp.bucket_names(),
              (std::vector<std::vector<std::string>>{
                  {"conv2.bias", "conv2.weight", "conv1.bias"}, {"conv1.weight"}, {"extra"}}));
  });
}

TEST(Ddp, UnusedParametersAreNamedUnlessAllowed) {
  std::vector<std::shared_ptr<Net>> nets = {make_net(DType::F32, 1), make_net(DType::F32, 1)};
  Tensor x = randn({2, 3, 5, 5}), target = randn({2, 4, 5, 5});
  EXPECT_THROW(dist::testing::run_ranks(
                   2,
                   [&](int rank, dist::ProcessGroup& g) {
                     std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
                     DistributedDataParallel ddp(nets[rank], group);
                     try {
                       loss_of(*nets[rank], x, target).backward();
                     } catch (const Error& e) {
                       EXPECT_NE(std::string(e.what()).find("no gradient in this "
                                                            "backward: extra"),
                                 std::string::npos)
                           << e.what();
                       throw;
                     }
                   }),
               Error);
  // find_unused_parameters: a zero contribution, and the next step works as well.
  nets = {make_net(DType::F32, 1), make_net(DType::F32, 1)};
  dist::testing::run_ranks(2, [&](int rank, dist::ProcessGroup& g) {
    std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
    DistributedDataParallel ddp(nets[rank], group, {.find_unused_parameters = true});
    for (int step = 0; step < 2; ++step) {
      for (auto& [name, t] : nets[rank]->named_parameters()) t.set_grad(Tensor());
      nets[rank]->use_extra = rank == 1 && step == 1;  // used on one rank only
      loss_of(*nets[rank], x, target).backward();
      Tensor extra = nets[rank]->named_parameters()["extra"].grad();
      ASSERT_TRUE(extra.defined());
      // d(loss)/d(extra_i) = 2 mean(y - t) on rank 1 in step 1, 0 elsewhere; averaged over 2.
      double want = 0;
      if (step == 1) {
        NoGradGuard no_grad;
        nets[1]->use_extra = true;
        Tensor d = sub(nets[1]->forward(x), target);
        nets[1]->use_extra = rank == 1;
        want = mean(d).item();  // 2 * mean / 2 ranks
      }
      for (float v : extra.to_vector<float>()) EXPECT_NEAR(v, want, 1e-5) << "step " << step;
    }
  });
}

TEST(Ddp, NoSyncAccumulatesLocallyThenAveragesTheSum) {
  std::vector<std::shared_ptr<Net>> nets = {make_net(DType::F64, 3), make_net(DType::F64, 3)};
  auto reference = make_net(DType::F64, 3);
  manual_seed(11);
  Tensor x = randn({4, 3, 6, 6}, DType::F64), target = randn({4, 4, 6, 6}, DType::F64);
  // Rank r's micro-batches are samples 2r and 2r+1; the average of the two ranks' summed
  // gradients is the gradient of (sum of the 4 per-sample losses) / 2.
  Tensor ref_loss = zeros({}, DType::F64);
  for (int i = 0; i < 4; ++i)
    ref_loss = add(ref_loss, loss_of(*reference, x.narrow(0, i, 1), target.narrow(0, i, 1)));
  mul(ref_loss, full({}, 0.5, DType::F64)).backward();
  std::vector<std::map<std::string, Tensor>> local(2), synced(2);
  dist::testing::run_ranks(2, [&](int rank, dist::ProcessGroup& g) {
    std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
    DistributedDataParallel ddp(nets[rank], group, {.find_unused_parameters = true});
    {
      auto guard = ddp.no_sync();
      loss_of(*nets[rank], x.narrow(0, 2 * rank, 1), target.narrow(0, 2 * rank, 1)).backward();
    }
    for (auto& [name, t] : nets[rank]->named_parameters())
      if (t.grad().defined()) local[rank][name] = t.grad().clone();
    loss_of(*nets[rank], x.narrow(0, 2 * rank + 1, 1), target.narrow(0, 2 * rank + 1, 1))
        .backward();
    for (auto& [name, t] : nets[rank]->named_parameters()) synced[rank][name] = t.grad().clone();
  });
  EXPECT_FALSE(same_bits(local[0]["conv1.weight"], local[1]["conv1.weight"]));  // not synchronised
  for (auto& [name, ref] : reference->named_parameters()) {
    if (name == "extra") continue;
    EXPECT_TRUE(same_bits(synced[0][name], synced[1][name])) << name;
    EXPECT_TRUE(tessel::testing::all_close(synced[0][name], ref.grad(), 1e-12, 1e-14)) << name;
  }
}

}  // namespace
}  // namespace tessel::nn
