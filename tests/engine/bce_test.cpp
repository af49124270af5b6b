// binary_cross_entropy_with_logits (engine/ops/bce.h); the fixture, error and CUDA checks cover
// focal_loss alongside it (tests/engine/focal_test.cpp has focal's own).
#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/engine/bce_reference.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

BceOptions bce_options(Reduction r, const Tensor& w = {}, const Tensor& pw = {}) {
  BceOptions o;
  o.reduction = r, o.weight = w, o.pos_weight = pw;
  return o;
}

}  // namespace

TEST(Bce, ForwardMatchesReference) {
  Tensor x = randn_input({3, 4, 5}, 1, DType::F64, false) * 3.0;
  Tensor t = rand({3, 4, 5}, {DType::F64});
  EXPECT_ALL_CLOSE(binary_cross_entropy_with_logits(x, t, bce_options(Reduction::None)),
                   reference_bce(x, t, 1), 1e-12, 1e-12);
  EXPECT_ALL_CLOSE(
      binary_cross_entropy_with_logits(x, t, bce_options(Reduction::None, {}, full({5}, 2.5))),
      reference_bce(x, t, 2.5), 1e-12, 1e-12);
}

TEST(Bce, StableForLargeLogits) {
  Tensor x = from_vector<float>({100, -100, 0}, {3}), t = from_vector<float>({0, 1, 1}, {3});
  Tensor loss = binary_cross_entropy_with_logits(x, t, bce_options(Reduction::None));
  EXPECT_ALL_CLOSE(loss, from_vector<double>({100, 100, std::log(2.0)}, {3}), 1e-6, 1e-5);
}

TEST(Bce, MatchesPyTorchFixture) {
  auto f = load_fixture("cross_entropy.txt");
  Tensor t = f.at("tb"), w = f.at("bw"), pw = f.at("pw");
  auto check = [&](const std::string& key, const std::function<Tensor(const Tensor&)>& fn) {
    SCOPED_TRACE(key);
    Tensor x = f.at("xb").clone().requires_grad_();
    Tensor loss = fn(x);
    EXPECT_ALL_CLOSE(loss, f.at(key), 1e-12, 1e-12);
    (loss.dim() ? sum(loss * f.at("gb")) : loss).backward();
    EXPECT_ALL_CLOSE(x.grad(), f.at(key + "_grad"), 1e-10, 1e-12);
  };
  check("bce_mean", [&](const Tensor& x) { return binary_cross_entropy_with_logits(x, t); });
  check("bce_w_pw_sum", [&](const Tensor& x) {
    return binary_cross_entropy_with_logits(x, t, bce_options(Reduction::Sum, w, pw));
  });
  check("bce_pw_none", [&](const Tensor& x) {
    return binary_cross_entropy_with_logits(x, t, bce_options(Reduction::None, {}, pw));
  });
  check("focal_none", [&](const Tensor& x) { return focal_loss(x, t); });
  check("focal_noalpha_mean",
        [&](const Tensor& x) { return focal_loss(x, t, focal_options(-1, 1.5, Reduction::Mean)); });
}

TEST(Bce, Gradcheck) {
  Tensor pw = rand({4}, {DType::F64}) * 3.0, w = rand({3, 1}, {DType::F64});
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) {
        return binary_cross_entropy_with_logits(in[0], in[1], bce_options(Reduction::Mean, w, pw));
      },
      {randn_input({2, 3, 4}, 2), rand({2, 3, 4}, {DType::F64}).requires_grad_()});
}

TEST(Bce, ErrorsNameOpAndArgument) {
  EXPECT_ERROR(binary_cross_entropy_with_logits(zeros({2, 3}), zeros({3})),
               "binary_cross_entropy_with_logits: 'target' must have the input's shape [2, 3]");
  EXPECT_ERROR(binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}),
                                                bce_options(Reduction::Mean, zeros({4, 1, 1}))),
               "'weight' and 'pos_weight' must broadcast to [2, 3]");
  EXPECT_ERROR(focal_loss(zeros({2}), zeros({2}), focal_options(0.25, -1, Reduction::None)),
               "focal_loss: 'gamma' must be >= 0, got -1");
}

TEST(Bce, MatchesCpu_CUDA) {
  Tensor pw = rand({29}, {DType::F64}) * 3.0;
  Tensor t = gt(rand({3, 2, 37, 29}, {DType::F64}), scalar_tensor(0.8)).to(DType::F64);
  for (DType d : {DType::F32, DType::F16, DType::BF16}) {
    SCOPED_TRACE(::testing::Message() << d);
    expect_cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
          return binary_cross_entropy_with_logits(in[0], in[1],
                                                  bce_options(Reduction::Mean, {}, in[2]));
        },
        {randn_input({3, 2, 37, 29}, 5), t, pw}, d);
    expect_cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
          return focal_loss(in[0], in[1], focal_options(0.25, 2, Reduction::Mean));
        },
        {randn_input({3, 2, 37, 29}, 6), t}, d);
  }
}
