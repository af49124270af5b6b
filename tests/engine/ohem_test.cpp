// ohem_cross_entropy (engine/ops/ohem.h) against mmsegmentation's rule, computed naively.
#include <algorithm>
#include <cmath>  // before op_harness.h, which uses std::isnan
#include <numeric>

#include "tests/engine/seg_labels.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// mmsegmentation's OHEM rule on the host, naively: the loss and how many pixels were kept.
struct OhemReference {
  double loss = 0;
  int64_t kept = 0;
};
OhemReference ohem_reference(const Tensor& logits, const Tensor& labels, double thresh,
                             int64_t min_kept, int64_t ignore) {
  int64_t n = logits.size(0), c = logits.size(1), hw = logits.numel() / (n * c);
  std::vector<double> x = logits.to_vector<double>();
  std::vector<int64_t> y = labels.to_vector<int64_t>();
  std::vector<double> ce, prob;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < hw; ++i) {
      int64_t label = y[size_t(b * hw + i)];
      if (label == ignore) continue;
      auto at = [&](int64_t k) { return x[size_t((b * c + k) * hw + i)]; };
      double lse = 0;
      for (int64_t k = 0; k < c; ++k) lse += std::exp(at(k));
      ce.push_back(std::log(lse) - at(label));
      prob.push_back(std::exp(at(label)) / lse);
    }
  std::vector<double> sorted = prob;
  std::sort(sorted.begin(), sorted.end());
  double threshold = thresh;
  if (!sorted.empty())
    threshold = std::max(thresh, sorted[std::min(size_t(min_kept * n), sorted.size() - 1)]);
  OhemReference r;
  for (size_t i = 0; i < ce.size(); ++i)
    if (prob[i] < threshold) r.loss += ce[i], ++r.kept;
  if (r.kept > 0) r.loss /= double(r.kept);
  return r;
}

}  // namespace

TEST(Ohem, ThresholdOrMinKeptBindsAsMmseg) {
  Tensor x = randn_input({2, 5, 7, 9}, 8, DType::F64, false) * 2.0;
  Tensor y = seg_labels({2, 7, 9}, 5, 9, 0.15);
  int64_t valid = int64_t(sum(ne(y, scalar_tensor(255, DType::I64))).item());
  struct Case {
    double thresh;
    int64_t min_kept, expect_kept;  // -1: whatever the threshold keeps (more than 2 min_kept)
  };
  for (Case c : {Case{0.7, 3, -1}, Case{0.01, 20, 40}, Case{0.01, 1000, valid - 1}}) {
    SCOPED_TRACE(::testing::Message() << "thresh " << c.thresh << " min_kept " << c.min_kept);
    OhemReference r = ohem_reference(x, y, c.thresh, c.min_kept, 255);
    if (c.expect_kept >= 0) {
      EXPECT_EQ(r.kept, c.expect_kept);
    } else {
      EXPECT_GT(r.kept, 2 * c.min_kept);
    }
    EXPECT_NEAR(ohem_cross_entropy(x, y, {c.thresh, c.min_kept, 255, Tensor()}).item(), r.loss,
                1e-12);
    EXPECT_NEAR(
        ohem_cross_entropy(x.to(DType::F32), y.to(DType::U8), {c.thresh, c.min_kept, 255, Tensor()})
            .item(),
        r.loss, 1e-5);
  }
  // With min_kept binding, the kept pixels are the 40 of largest loss.
  Tensor ce = cross_entropy(x, y, {255, Tensor(), 0, Reduction::None});
  std::vector<double> losses = ce.to_vector<double>();
  std::sort(losses.begin(), losses.end(), std::greater<>());
  EXPECT_NEAR(ohem_cross_entropy(x, y, {0.01, 20, 255, Tensor()}).item(),
              std::accumulate(losses.begin(), losses.begin() + 40, 0.0) / 40, 1e-12);
}

TEST(Ohem, ClassWeightsGradcheckAndAllIgnored) {
  Tensor y = seg_labels({2, 3, 4}, 3, 10, 0.2);
  Tensor w = from_vector<double>({0.5, 2, 1}, {3}, DType::F64);
  // Weights scale the kept losses; they do not change which pixels are kept.
  Tensor x = randn_input({2, 3, 3, 4}, 11, DType::F64, false);
  Tensor ce = cross_entropy(x, y, {255, w, 0, Reduction::None});
  Tensor plain = cross_entropy(x, y, {255, Tensor(), 0, Reduction::None});
  Tensor kept = ne(y, scalar_tensor(255, DType::I64)).to(DType::F64);  // thresh 2 keeps all
  EXPECT_NEAR(ohem_cross_entropy(x, y, {2.0, 0, 255, w}).item(),
              (sum(ce * kept) / sum(kept)).item(), 1e-12);
  EXPECT_NEAR(ohem_cross_entropy(x, y, {2.0, 0, 255, Tensor()}).item(),
              (sum(plain * kept) / sum(kept)).item(), 1e-12);
  expect_gradcheck(
      [&](auto& in) {
        return ohem_cross_entropy(in[0], y, {0.6, 4, 255, w});
      },
      {randn_input({2, 3, 3, 4}, 12)});
  Tensor xg = randn_input({1, 3, 2, 2}, 13);
  Tensor loss = ohem_cross_entropy(xg, full({1, 2, 2}, 255, DType::I64), {0.7, 1, 255, Tensor()});
  EXPECT_EQ(loss.item(), 0.0);
  loss.backward();
  EXPECT_EQ(sum(abs(xg.grad())).item(), 0.0);
  EXPECT_ERROR(ohem_cross_entropy(xg, y, {0.7, -1, 255, Tensor()}), "'min_kept' must be >= 0");
}

TEST(Ohem, MatchesCpu_CUDA) {
  Tensor x = randn_input({3, 5, 17, 23}, 14);
  Tensor y = seg_labels({3, 17, 23}, 5, 15, 0.1);
  expect_cuda_matches_cpu(
      [&](auto& in) {
        return ohem_cross_entropy(in[0], in[1], {0.7, 50, 255, Tensor()});
      },
      {x, y}, DType::F32);
}
