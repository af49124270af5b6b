// binary_cross_entropy_with_logits and focal_loss (engine/ops/sigmoid_loss.cpp).
#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// Naive reference with plain logs of the sigmoid (fine in f64 for moderate x).
Tensor reference_bce(const Tensor& x, const Tensor& t, double pos_weight) {
  std::vector<double> v = x.to_vector<double>(), tv = t.to_vector<double>(), out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    double p = 1 / (1 + std::exp(-v[i]));
    out[i] = -(pos_weight * tv[i] * std::log(p) + (1 - tv[i]) * std::log(1 - p));
  }
  return from_vector(out, x.sizes(), DType::F64);
}

BceOptions bce_options(Reduction r, const Tensor& w = {}, const Tensor& pw = {}) {
  BceOptions o;
  o.reduction = r, o.weight = w, o.pos_weight = pw;
  return o;
}

FocalOptions focal_options(double alpha, double gamma, Reduction r) {
  FocalOptions o;
  o.alpha = alpha, o.gamma = gamma, o.reduction = r;
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

TEST(Focal, Gradcheck) {
  Tensor t = gt(rand({2, 3, 4}, {DType::F64}), scalar_tensor(0.7)).to(DType::F64);
  for (double gamma : {0.0, 2.0})
    expect_gradcheck(
        [&](const std::vector<Tensor>& in) {
          return focal_loss(in[0], t, focal_options(0.25, gamma, Reduction::Sum));
        },
        {randn_input({2, 3, 4}, 3)});
}

TEST(Focal, GammaZeroIsAlphaWeightedBce) {
  Tensor x = randn_input({7}, 4, DType::F64, false), t = rand({7}, {DType::F64});
  Tensor alpha_t = t * 0.25 + (1.0 - t) * 0.75;
  EXPECT_ALL_CLOSE(focal_loss(x, t, focal_options(0.25, 0, Reduction::None)),
                   alpha_t * reference_bce(x, t, 1), 1e-12, 1e-12);
  // An integer mask is a valid target.
  Tensor mask = from_vector<uint8_t>({1, 0, 1, 1, 0, 0, 1}, {7}, {DType::U8});
  EXPECT_ALL_CLOSE(focal_loss(x, mask), focal_loss(x, mask.to(DType::F64)), 0, 0);
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
