#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// Naive reference, straight from the definition: per pixel log-softmax, the smoothed weighted
// loss, and the reduction over the pixels not ignored.
Tensor reference(const Tensor& x, const Tensor& y, const CrossEntropyOptions& o) {
  std::vector<double> v = x.detach().to_vector<double>(), lab = y.to_vector<double>();
  std::vector<double> w = o.weight.defined() ? o.weight.to_vector<double>()
                                             : std::vector<double>(size_t(x.size(1)), 1.0);
  int64_t n = x.size(0), k = x.size(1), inner = x.numel() / (n * k);
  std::vector<double> loss(size_t(n * inner));
  double total = 0, weight = 0, eps = o.label_smoothing;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t c) { return v[size_t((b * k + c) * inner + i)]; };
      int64_t label = int64_t(lab[size_t(b * inner + i)]);
      if (label == o.ignore_index) continue;
      double m = -INFINITY, s = 0, smooth = 0;
      for (int64_t c = 0; c < k; ++c) m = std::max(m, at(c));
      for (int64_t c = 0; c < k; ++c) s += std::exp(at(c) - m);
      auto logp = [&](int64_t c) { return at(c) - m - std::log(s); };
      for (int64_t c = 0; c < k; ++c) smooth -= w[size_t(c)] * logp(c);
      double l = (1 - eps) * -w[size_t(label)] * logp(label) + eps / double(k) * smooth;
      loss[size_t(b * inner + i)] = l;
      total += l;
      weight += w[size_t(label)];
    }
  if (o.reduction == Reduction::None) return from_vector(loss, y.sizes(), DType::F64);
  return scalar_tensor(o.reduction == Reduction::Mean ? total / weight : total, {DType::F64});
}

// Labels in [0, k) drawn with a skewed distribution (class 0 most of the time, as background is
// in segmentation), about `ignored` of them set to `ignore`.
Tensor skewed_labels(const Shape& shape, int64_t k, int64_t ignore, double ignored, DType t,
                     uint64_t seed) {
  Generator g(seed);
  std::vector<double> u = rand(shape, {DType::F64}, &g).to_vector<double>();
  std::vector<double> out(u.size());
  for (size_t i = 0; i < u.size(); ++i) {
    double r = u[i];
    out[i] = r < ignored ? double(ignore) : r < 0.6 ? 0 : double(int64_t(r * 977) % k);
  }
  return from_vector(out, shape, DType::F64).to(t);
}

CrossEntropyOptions options(Reduction r, const Tensor& w = {}, double eps = 0,
                            int64_t ignore = -100) {
  CrossEntropyOptions o;
  o.reduction = r, o.weight = w, o.label_smoothing = eps, o.ignore_index = ignore;
  return o;
}

const Reduction kReductions[] = {Reduction::Mean, Reduction::Sum, Reduction::None};

}  // namespace

TEST(CrossEntropy, ForwardMatchesReference) {
  Tensor x = randn_input({2, 5, 3, 7}, 1, DType::F64, false) * 3.0;
  Tensor w = from_vector<double>({0.5, 2, 1, 0.25, 1.5}, {5});
  for (DType lt : {DType::U8, DType::I32, DType::I64})
    for (Reduction r : kReductions)
      for (double eps : {0.0, 0.1})
        for (bool weighted : {false, true}) {
          SCOPED_TRACE(::testing::Message() << lt << " reduction " << int(r) << " eps " << eps
                                            << " weighted " << weighted);
          Tensor y = skewed_labels({2, 3, 7}, 5, 255, 0.15, lt, 2);
          auto o = options(r, weighted ? w : Tensor(), eps, 255);
          Tensor ref = reference(x, y, o);
          EXPECT_ALL_CLOSE(cross_entropy(x, y, o), ref, 1e-12, 1e-12);
          EXPECT_ALL_CLOSE(cross_entropy(x.to(DType::F32), y, o), ref, 1e-5, 1e-5);
        }
}

TEST(CrossEntropy, RowsAndLargeLogits) {
  // [N, C] rows, and f32 logits near 1e4 where exp overflows without the max shift.
  Tensor x = from_vector<float>({1e4f, 1e4f + 1, 1e4f - 2, -3, 0, 2}, {2, 3});
  Tensor y = from_vector<int64_t>({1, 0}, {2}, {DType::I64});
  auto o = options(Reduction::None);
  EXPECT_ALL_CLOSE(cross_entropy(x, y, o), reference(x.to(DType::F64), y, o), 1e-5, 1e-5);
}

TEST(CrossEntropy, MatchesPyTorchFixture) {
  auto f = load_fixture("cross_entropy.txt");
  Tensor y = f.at("labels").to(DType::I64), w = f.at("weight");
  auto check = [&](const std::string& key, const Tensor& x_in, const Tensor& labels,
                   const CrossEntropyOptions& o) {
    SCOPED_TRACE(key);
    Tensor x = x_in.clone().requires_grad_();
    Tensor loss = cross_entropy(x, labels, o);
    EXPECT_ALL_CLOSE(loss, f.at(key), 1e-12, 1e-12);
    (o.reduction == Reduction::None ? sum(loss * f.at("g")) : loss).backward();
    EXPECT_ALL_CLOSE(x.grad(), f.at(key + "_grad"), 1e-10, 1e-12);
  };
  const char* names[] = {"mean", "sum", "none"};
  for (int r = 0; r < 3; ++r) {
    std::string red = names[r];
    check(red, f.at("x"), y, options(kReductions[r]));
    check("w_" + red, f.at("x"), y, options(kReductions[r], w));
    check("ls_" + red, f.at("x"), y, options(kReductions[r], {}, 0.2));
    check("ls_w_" + red, f.at("x"), y, options(kReductions[r], w, 0.2));
  }
  check("u8_ls_w_mean", f.at("x"), f.at("labels_u8").to(DType::U8),
        options(Reduction::Mean, w, 0.1, 255));
  check("rows_w_mean", f.at("x2"), f.at("labels2").to(DType::I32),
        options(Reduction::Mean, w.slice(0, 0, 4)));
  // Smoothing with mean and no weights: over the pixels not ignored (PyTorch 1.13), not over all
  // pixels as PyTorch 1.10-1.11 did.
  double ours = cross_entropy(f.at("x"), y, options(Reduction::Mean, {}, 0.2)).item();
  EXPECT_GT(std::abs(ours - f.at("ls_mean_all_pixels").item()), 1e-3);
}

TEST(CrossEntropy, Gradcheck) {
  Tensor w = from_vector<double>({0.5, 2, 1, 1.5}, {4});
  Tensor y = skewed_labels({2, 3, 5}, 4, -100, 0.1, DType::I64, 4);
  for (Reduction r : kReductions)
    for (double eps : {0.0, 0.3}) {
      SCOPED_TRACE(::testing::Message() << "reduction " << int(r) << " eps " << eps);
      auto o = options(r, w, eps);
      expect_gradcheck([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], y, o); },
                       {randn_input({2, 4, 3, 5}, 5)});
    }
}

TEST(CrossEntropy, AllIgnoredMeanIsNaN) {
  Tensor x = randn_input({2, 3}, 6, DType::F64, false);
  Tensor y = from_vector<int64_t>({-100, -100}, {2}, {DType::I64});
  EXPECT_TRUE(std::isnan(cross_entropy(x, y).item()));
  EXPECT_EQ(cross_entropy(x, y, options(Reduction::Sum)).item(), 0.0);
}

TEST(CrossEntropy, ErrorsNameOpArgumentAndValue) {
  Tensor x = zeros({2, 3, 4});
  EXPECT_ERROR(
      cross_entropy(x, from_vector<int64_t>({0, 1, 3, 0, 0, 0, 0, 0}, {2, 4}, {DType::I64})),
      "cross_entropy: label 3 is out of range for 3 classes");
  EXPECT_ERROR(cross_entropy(x, zeros({2, 5}, {DType::I64})),
               "cross_entropy: 'labels' must have shape [2, 4]");
  EXPECT_ERROR(cross_entropy(x, zeros({2, 4})), "cross_entropy: 'labels' must be u8, i32 or i64");
  EXPECT_ERROR(cross_entropy(x, zeros({2, 4}, {DType::I64}), options(Reduction::Mean, ones({4}))),
               "cross_entropy: 'weight' must have shape [3]");
  EXPECT_ERROR(cross_entropy(x, zeros({2, 4}, {DType::I64}), options(Reduction::Mean, {}, 1.5)),
               "'label_smoothing' must be in [0, 1], got 1.5");
  EXPECT_ERROR(cross_entropy(zeros({3}), zeros({}, {DType::I64})), "'logits' must be [N, C, ...]");
}

TEST(CrossEntropy, MatchesCpu_CUDA) {
  // Odd sizes (no multiple of a block or a warp), 19 classes as in Cityscapes, background-heavy
  // labels with ~10% ignored (255).
  Tensor w = rand({19}, {DType::F64}) + 0.5;
  for (DType t : {DType::F32, DType::F16, DType::BF16})
    for (Reduction r : kReductions)
      for (double eps : {0.0, 0.1}) {
        SCOPED_TRACE(::testing::Message() << t << " reduction " << int(r) << " eps " << eps);
        Tensor y = skewed_labels({3, 37, 29}, 19, 255, 0.1, DType::U8, 7);
        expect_cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
              return cross_entropy(in[0], in[1], options(r, in[2], eps, 255));
            },
            {randn_input({3, 19, 37, 29}, 8), y, w}, t);
      }
}

TEST(CrossEntropy, InvalidLabelIsNaN_CUDA) {
  Tensor x = zeros({2, 3}, {DType::F32, cuda_device(0)});
  Tensor y = from_vector<int64_t>({1, 7}, {2}, {DType::I64}).to(cuda_device(0));
  EXPECT_TRUE(std::isnan(cross_entropy(x, y).item()));
}
