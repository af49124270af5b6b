// SyncBatchNorm on 3 ranks (threads over Gloo) against BatchNorm2d over the concatenated batch.
#include <gtest/gtest.h>

#include "engine/ops.h"
#include "nn/norm.h"
#include "tests/dist/ranks.h"
#include "tests/op_harness.h"

namespace tessel::nn {
namespace {

TEST(SyncBatchNorm, ForwardBackwardAndRunningStatsEqualBatchNormOverTheGlobalBatch) {
  const int ranks = 3;
  const int64_t c = 5;
  // Uneven shards, as the last batch of an epoch can be.
  const int64_t batch[ranks] = {2, 3, 1};
  std::vector<Tensor> xs, ws;
  for (int r = 0; r < ranks; ++r) {
    xs.push_back(tessel::testing::randn_input({batch[r], c, 4, 3}, 10 + r, DType::F64, false));
    ws.push_back(tessel::testing::randn_input({batch[r], c, 4, 3}, 20 + r, DType::F64, false));
  }
  // The reference: one BatchNorm2d over everything, loss = sum(y * w).
  auto reference = std::make_shared<BatchNorm2d>(c);
  reference->to(DType::F64);
  {
    NoGradGuard no_grad;
    reference->weight.copy_(tessel::testing::randn_input({c}, 3, DType::F64, false));
    reference->bias.copy_(tessel::testing::randn_input({c}, 4, DType::F64, false));
  }
  Tensor x_all = cat(xs, 0).requires_grad_();
  sum(mul(reference->forward(x_all), cat(ws, 0))).backward();

  std::vector<std::shared_ptr<BatchNorm2d>> layers;
  std::vector<Tensor> inputs;
  for (int r = 0; r < ranks; ++r) {
    layers.push_back(std::make_shared<BatchNorm2d>(c));
    layers.back()->to(DType::F64);
    NoGradGuard no_grad;
    layers.back()->weight.copy_(reference->weight);
    layers.back()->bias.copy_(reference->bias);
    inputs.push_back(xs[r].clone().requires_grad_());
  }
  dist::testing::run_ranks(ranks, [&](int rank, dist::ProcessGroup& g) {
    std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
    EXPECT_EQ(convert_sync_batchnorm(*layers[rank], group), 1);
    Tensor y = layers[rank]->forward(inputs[rank]);
    sum(mul(y, ws[rank])).backward();
    // Eval mode uses the (synchronised) running statistics, without collectives.
    layers[rank]->eval();
    layers[rank]->forward(inputs[rank]);
  });
  int64_t offset = 0;
  Tensor wgrad = zeros({c}, DType::F64), bgrad = zeros({c}, DType::F64);
  for (int r = 0; r < ranks; ++r) {
    EXPECT_ALL_CLOSE(inputs[r].grad(), x_all.grad().narrow(0, offset, batch[r]), 1e-10, 1e-12);
    offset += batch[r];
    wgrad = add(wgrad, layers[r]->weight.grad());
    bgrad = add(bgrad, layers[r]->bias.grad());
    EXPECT_ALL_CLOSE(layers[r]->running_mean, reference->running_mean, 1e-12, 1e-14);
    EXPECT_ALL_CLOSE(layers[r]->running_var, reference->running_var, 1e-12, 1e-14);
    EXPECT_EQ(layers[r]->num_batches_tracked.item(), 1);
  }
  // Each rank's parameter gradient is its share; DDP's average times the ranks is the whole.
  EXPECT_ALL_CLOSE(wgrad, reference->weight.grad(), 1e-10, 1e-12);
  EXPECT_ALL_CLOSE(bgrad, reference->bias.grad(), 1e-10, 1e-12);
}

TEST(SyncBatchNorm, OneRankIsPlainBatchNorm) {
  auto a = std::make_shared<BatchNorm2d>(3), b = std::make_shared<BatchNorm2d>(3);
  Tensor x = tessel::testing::randn_input({2, 3, 5, 5}, 1, DType::F32, false);
  dist::testing::run_ranks(1, [&](int, dist::ProcessGroup& g) {
    std::shared_ptr<dist::ProcessGroup> group(&g, [](dist::ProcessGroup*) {});
    convert_sync_batchnorm(*a, group);
    EXPECT_ALL_CLOSE(a->forward(x), b->forward(x), 0, 0);
  });
}

}  // namespace
}  // namespace tessel::nn
