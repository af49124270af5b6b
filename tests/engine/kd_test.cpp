// kd_loss (engine/ops/kd.h) against F.kl_div (tests/fixtures/seg_losses.txt).
#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/engine/seg_losses_fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Kd, MatchesKlDiv) {
  const auto& f = fixture();
  for (auto [name, reduction] : {std::pair{"kd_batchmean", KdReduction::BatchMean},
                                 std::pair{"kd_pixelmean", KdReduction::PixelMean}}) {
    SCOPED_TRACE(name);
    Tensor s = f.at("student").detach().clone().requires_grad_();
    Tensor t = f.at("teacher").detach().clone().requires_grad_();
    Tensor loss = kd_loss(s, t, {2.5, reduction});
    EXPECT_NEAR(loss.item(), f.at(name).item(), 1e-10 * f.at(name).item());
    loss.backward();
    EXPECT_ALL_CLOSE(s.grad(), f.at(std::string(name) + "_grad"), 1e-9, 1e-12);
    EXPECT_FALSE(t.grad().defined()) << "the teacher is detached";
  }
  EXPECT_NEAR(f.at("kd_batchmean_torch").item(), f.at("kd_batchmean").item(), 1e-10);
}

TEST(Kd, GradcheckAndErrors) {
  Tensor t = randn_input({2, 4, 3}, 16, DType::F64, false);
  for (KdReduction r : {KdReduction::BatchMean, KdReduction::PixelMean})
    expect_gradcheck(
        [&](auto& in) {
          return kd_loss(in[0], t, {3.0, r});
        },
        {randn_input({2, 4, 3}, 17)});
  // [N, C] logits: both reductions divide by N.
  Tensor s2 = randn_input({3, 5}, 18, DType::F64, false), t2 = randn_input({3, 5}, 19);
  EXPECT_NEAR(kd_loss(s2, t2, {1.0, KdReduction::BatchMean}).item(),
              kd_loss(s2, t2, {1.0, KdReduction::PixelMean}).item(), 1e-14);
  EXPECT_ERROR(kd_loss(s2, t2, {0.0}), "kd_loss: 'temperature' must be > 0, got 0");
  EXPECT_ERROR(kd_loss(s2, zeros({3, 4}, DType::F64)),
               "'teacher' must have the student's shape [3, 5], got [3, 4]");
}

TEST(Kd, MatchesCpu_CUDA) {
  Tensor s = randn_input({2, 7, 13, 9}, 20), t = randn_input({2, 7, 13, 9}, 21, DType::F64, false);
  for (DType dt : {DType::F32, DType::F16, DType::BF16})
    expect_cuda_matches_cpu([&](auto& in) { return kd_loss(in[0], in[1], {2.0}); }, {s, t}, dt);
}
