#include "tests/engine/eval_labels.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// Straight from the definition: the whole (2d+1)^2 window of every pixel, clipped to the image.
std::vector<int64_t> naive_boundary(const Tensor& pred, const Tensor& target, int64_t c, int64_t d,
                                    int64_t ignore_index) {
  int64_t n = target.size(0), h = target.size(1), w = target.size(2);
  std::vector<int64_t> p = pred.to_vector<int64_t>(), t = target.to_vector<int64_t>();
  auto band = [&](const std::vector<int64_t>& m, int64_t b, int64_t y, int64_t x) {
    for (int64_t i = std::max<int64_t>(0, y - d); i <= std::min(h - 1, y + d); ++i)
      for (int64_t j = std::max<int64_t>(0, x - d); j <= std::min(w - 1, x + d); ++j)
        if (m[size_t((b * h + i) * w + j)] != m[size_t((b * h + y) * w + x)]) return true;
    return false;
  };
  std::vector<int64_t> counts(size_t(2 * c), 0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        size_t i = size_t((b * h + y) * w + x);
        if (t[i] == ignore_index) continue;
        bool tb = band(t, b, y, x), pb = band(p, b, y, x);
        for (int64_t k = 0; k < c; ++k) {
          bool in_g = tb && t[i] == k, in_p = pb && p[i] == k;
          counts[size_t(k)] += in_g && in_p;
          counts[size_t(c + k)] += in_g || in_p;
        }
      }
  return counts;
}

std::vector<int64_t> boundary_counts(const Tensor& pred, const Tensor& target, int64_t c, int64_t d,
                                     int64_t ignore_index = 255) {
  Tensor counts = zeros({2, c}, {DType::I64, target.device()});
  boundary_iou_counts_(counts, pred, target, c, d, ignore_index);
  return counts.to_vector<int64_t>();
}

}  // namespace

TEST(BoundaryIou, HandComputedStripes) {
  // Target: columns 0-1 class 0, 2-3 class 1. Prediction: columns 0-2 class 0, 3 class 1.
  Tensor target = from_vector<int64_t>({0, 0, 1, 1}, {1, 1, 4}, {DType::U8}).expand({1, 4, 4});
  Tensor pred = from_vector<int64_t>({0, 0, 0, 1}, {1, 1, 4}, {DType::I64}).expand({1, 4, 4});
  // d = 1: the target's bands are columns 1 (class 0) and 2 (class 1), the prediction's columns
  // 2 (class 0) and 3 (class 1): no overlap, unions of 8 pixels each.
  EXPECT_EQ(boundary_counts(pred, target, 2, 1), (std::vector<int64_t>{0, 0, 8, 8}));
  EXPECT_EQ(boundary_counts(target, target, 2, 1), (std::vector<int64_t>{4, 4, 4, 4}));
  EXPECT_EQ(boundary_counts(pred, target, 2, 0), (std::vector<int64_t>{0, 0, 0, 0}));
  // d = 2 reaches every column from the edge between columns 1 and 2; the border is no edge.
  EXPECT_EQ(boundary_counts(target, target, 2, 2), (std::vector<int64_t>{8, 8, 8, 8}));
}

TEST(BoundaryIou, MatchesNaive) {
  Shape s{2, 19, 23};
  for (DType tt : {DType::U8, DType::I32, DType::I64})
    for (int64_t d : {0, 1, 2, 5}) {
      Tensor target = random_labels(s, 4, tt, 30, 4, 0.05), pred = random_labels(s, 4, tt, 31, 3);
      EXPECT_EQ(boundary_counts(pred, target, 4, d), naive_boundary(pred, target, 4, d, 255))
          << "labels " << tt << ", d " << d;
    }
}

TEST(BoundaryIou, AccumulatesAcrossBatches) {
  Shape s{1, 16, 21};
  Tensor t1 = random_labels(s, 3, DType::I64, 40, 5), p1 = random_labels(s, 3, DType::I64, 41, 4);
  Tensor t2 = random_labels(s, 3, DType::I64, 42, 3, 0.1, -1);
  Tensor p2 = random_labels(s, 3, DType::I64, 43, 2);
  auto a = naive_boundary(p1, t1, 3, 2, -1), b = naive_boundary(p2, t2, 3, 2, -1);
  BoundaryIou acc(3, 2, kCPU, -1);
  acc.update(p1, t1);
  acc.update(p2, t2);
  BoundaryCounts r = acc.read();
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(r.intersection[k], a[k] + b[k]);
    EXPECT_EQ(r.unions[k], a[3 + k] + b[3 + k]);
  }
  acc.reset();
  EXPECT_EQ(acc.read().unions, (std::vector<int64_t>{0, 0, 0}));
}

TEST(BoundaryIou, OutOfRangeLabelThrows) {
  Tensor target = from_vector<int64_t>({0, 1, 3, 1}, {1, 2, 2}, {DType::I32});
  Tensor counts = zeros({2, 3}, {DType::I64});
  EXPECT_ERROR(boundary_iou_counts_(counts, target, target, 3, 1),
               "boundary_iou: target label 3 at pixel 2 is outside [0, 3)");
  EXPECT_EQ(sum(counts).item(), 0);
  EXPECT_ERROR(boundary_iou_counts_(counts, target, target, 3, -1), "dilation -1 is negative");
  EXPECT_ERROR(boundary_iou_counts_(counts, zeros({1, 2, 2}), target, 3, 1),
               "'pred' must hold u8, i32 or i64 labels");
}

TEST(BoundaryIou, MatchesCpu_CUDA) {
  Device g = cuda_device(0);
  // 20000 classes do not fit shared memory: the global-atomic path.
  for (int64_t c : {3, 19, 20000})
    for (DType tt : {DType::U8, DType::I32, DType::I64}) {
      if (tt == DType::U8 && c > 255) continue;
      Shape s{3, 61, 127};
      Tensor target = random_labels(s, c, tt, 50, 7, 0.05), pred = random_labels(s, c, tt, 51, 5);
      for (int64_t d : {1, 4}) {
        BoundaryIou acc(c, d, g);
        acc.update(pred.to(g), target.to(g));
        acc.update(target.to(g), pred.to(g).to(tt == DType::U8 ? DType::U8 : DType::I64));
        BoundaryCounts r = acc.read();
        auto a = boundary_counts(pred, target, c, d), b = boundary_counts(target, pred, c, d);
        for (size_t k = 0; k < size_t(c); ++k) {
          ASSERT_EQ(r.intersection[k], a[k] + b[k]) << c << " classes, d " << d << ", class " << k;
          ASSERT_EQ(r.unions[k], a[size_t(c) + k] + b[size_t(c) + k]);
        }
      }
    }
}

TEST(BoundaryIou, OutOfRangeCountsNowhere_CUDA) {
  Device g = cuda_device(0);
  Tensor target = from_vector<int64_t>({0, 1, 3, 1}, {1, 2, 2}, {DType::I32, g});
  BoundaryIou acc(3, 1, g);
  acc.update(target, target);
  EXPECT_ERROR(acc.read(), "boundary_iou: 1 pixels had a label outside");
}
