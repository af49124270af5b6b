#include <algorithm>
#include <cmath>  // before op_harness.h, which uses std::isnan
#include <numeric>

#include "tests/engine/seg_labels.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

const auto& fixture() {
  static const auto f = load_fixture("seg_losses.txt");
  return f;
}

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

TEST(LovaszSortCumsum, StableSortBothWaysWithGradient) {
  Tensor x = from_vector<double>({3, 1, 2, 1, 3, 0.5, 0.5, -1, 4, 0.5}, {2, 5}, DType::F64);
  SortResult down = sort(x, true), up = sort(x);
  EXPECT_EQ(down.values.to_vector<double>(),
            (std::vector<double>{3, 3, 2, 1, 1, 4, 0.5, 0.5, 0.5, -1}));
  EXPECT_EQ(down.indices.to_vector<int64_t>(),
            (std::vector<int64_t>{0, 4, 2, 1, 3, 3, 0, 1, 4, 2}));
  EXPECT_EQ(up.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 2, 0, 4, 2, 0, 1, 4, 3}));
  expect_gradcheck([](auto& in) { return sort(in[0], true).values; }, {randn_input({3, 1, 7}, 1)});
  EXPECT_ERROR(sort(zeros({3}, DType::I64)), "sort: 'input' must be a floating-point tensor");
}

TEST(LovaszSortCumsum, CumsumAndItsGradient) {
  Tensor x = from_vector<double>({1, 2, 3, -1, 0, 5}, {2, 3}, DType::F64);
  EXPECT_EQ(cumsum(x).to_vector<double>(), (std::vector<double>{1, 3, 6, -1, -1, 4}));
  expect_gradcheck([](auto& in) { return cumsum(in[0]); }, {randn_input({2, 3, 6}, 2)});
}

TEST(Lovasz, MatchesReferenceImplementation) {
  const auto& f = fixture();
  Tensor labels = f.at("labels").to(DType::I64);
  for (bool per_image : {false, true})
    for (bool present : {true, false}) {
      std::string name = std::string("lovasz_") + (per_image ? "image" : "batch") +
                         (present ? "_present" : "_all");
      SCOPED_TRACE(name);
      Tensor x = f.at("x").detach().clone().requires_grad_();
      Tensor loss = lovasz_softmax(softmax(x, 1), labels, {per_image, present, 255});
      EXPECT_NEAR(loss.item(), f.at(name).item(), 1e-6);  // the reference's weights are f32
      loss.backward();
      EXPECT_ALL_CLOSE(x.grad(), f.at(name + "_grad"), 1e-5, 1e-7);
      EXPECT_NEAR(
          lovasz_softmax(softmax(x, 1), labels.to(DType::U8), {per_image, present, 255}).item(),
          loss.item(), 1e-12);
    }
}

TEST(Lovasz, Gradcheck) {
  Tensor y = seg_labels({2, 4, 5}, 3, 3, 0.2);
  for (bool per_image : {false, true})
    expect_gradcheck(
        [&](auto& in) {
          return lovasz_softmax(softmax(in[0], 1), y, {per_image, true, 255});
        },
        {randn_input({2, 4, 4, 5}, 4)});
}

TEST(Lovasz, EmptyCasesAndErrors) {
  Tensor x = randn_input({1, 3, 2, 2}, 5);
  Tensor ignored = full({1, 2, 2}, 255, DType::I64);
  for (bool present : {true, false}) {
    Tensor loss = lovasz_softmax(softmax(x, 1), ignored, {false, present, 255});
    EXPECT_EQ(loss.item(), 0.0);
    loss.backward();
    EXPECT_EQ(sum(abs(x.grad())).item(), 0.0);
  }
  EXPECT_ERROR(lovasz_softmax(x, zeros({1, 2, 3}, DType::I64)),
               "'labels' must have shape [1, 2, 2] for probas [1, 3, 2, 2], got [1, 2, 3]");
  EXPECT_ERROR(lovasz_softmax(x, zeros({1, 2, 2})), "'labels' must be an integer tensor");
}

TEST(Lovasz, MatchesCpu_CUDA) {
  Tensor x = randn_input({3, 5, 17, 23}, 6);
  Tensor y = seg_labels({3, 17, 23}, 5, 7, 0.1);
  for (bool per_image : {false, true})
    expect_cuda_matches_cpu(
        [&](auto& in) {
          return lovasz_softmax(softmax(in[0], 1), in[1], {per_image, true, 255});
        },
        {x, y}, DType::F32);
}

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
