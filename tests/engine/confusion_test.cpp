#include "tests/engine/eval_labels.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

const DType kLabelTypes[] = {DType::U8, DType::I32, DType::I64};

// u8 labels ignore 255; wider ones a negative index, as PyTorch's -100.
int64_t ignore_for(DType t) {
  return t == DType::U8 ? 255 : -100;
}

std::vector<int64_t> naive_confusion(const Tensor& pred, const Tensor& target, int64_t c,
                                     int64_t ignore_index) {
  std::vector<int64_t> p = pred.to_vector<int64_t>(), t = target.to_vector<int64_t>();
  std::vector<int64_t> cm(size_t(c * c), 0);
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] != ignore_index) ++cm[size_t(t[i] * c + p[i])];
  return cm;
}

std::vector<int64_t> add(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

// Small integers, so argmax meets many ties, and a few NaNs.
Tensor tied_logits(const Shape& shape, DType t, uint64_t seed) {
  std::vector<double> v = randn_input(shape, seed, DType::F64, false).to_vector<double>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = i % 97 == 5 ? NAN : std::round(v[i]);
  return from_vector(v, shape, {t});
}

}  // namespace

TEST(Confusion, LabelsMatchNaive) {
  Shape s{3, 17, 23};
  for (DType tt : kLabelTypes)
    for (DType pt : kLabelTypes) {
      int64_t ig = ignore_for(tt);
      Tensor target = random_labels(s, 5, tt, 1, 1, 0.1, ig), pred = random_labels(s, 5, pt, 2);
      EXPECT_EQ(confusion_matrix(pred, target, 5, ig).to_vector<int64_t>(),
                naive_confusion(pred, target, 5, ig))
          << "target " << tt << ", pred " << pt;
    }
}

TEST(Confusion, AccumulatesAcrossBatches) {
  Shape s{2, 9, 14};
  Tensor t1 = random_labels(s, 4, DType::U8, 3, 2, 0.2), p1 = random_labels(s, 4, DType::I64, 4);
  Tensor t2 = random_labels(s, 4, DType::U8, 5, 1, 0.2), p2 = random_labels(s, 4, DType::I64, 6);
  auto both = add(naive_confusion(p1, t1, 4, 255), naive_confusion(p2, t2, 4, 255));
  Tensor cm = zeros({4, 4}, {DType::I64});
  confusion_matrix_(cm, p1, t1, 4);
  confusion_matrix_(cm, p2, t2, 4);
  EXPECT_EQ(cm.to_vector<int64_t>(), both);
  ConfusionMatrix acc(4);
  acc.update(p1, t1);
  acc.update(p2, t2);
  ConfusionCounts read = acc.read();
  EXPECT_EQ(read.num_classes, 4);
  EXPECT_EQ(read.counts, both);
  acc.reset();
  acc.update(p2, t2);
  EXPECT_EQ(acc.read().counts, naive_confusion(p2, t2, 4, 255));
}

TEST(Confusion, LogitsArgmaxMatchesLabels) {
  for (DType lt : {DType::F32, DType::F64, DType::BF16, DType::F16}) {
    Tensor logits = tied_logits({2, 6, 11, 13}, lt, 7);
    Tensor target = random_labels({2, 11, 13}, 6, DType::I32, 8, 1, 0.1, -1);
    EXPECT_EQ(confusion_matrix(logits, target, 6, -1).to_vector<int64_t>(),
              confusion_matrix(argmax(logits, 1), target, 6, -1).to_vector<int64_t>())
        << "logits " << lt;
  }
}

TEST(Confusion, OutOfRangeLabelsThrowAndCountNothing) {
  Tensor target = from_vector<int64_t>({0, 1, 255, 7}, {1, 2, 2}, {DType::U8});
  Tensor pred = from_vector<int64_t>({0, 1, 9, 2}, {1, 2, 2}, {DType::I32});
  Tensor cm = zeros({5, 5}, {DType::I64});
  EXPECT_ERROR(confusion_matrix_(cm, pred, target, 5),
               "confusion_matrix: target label 7 at pixel 3 is outside [0, 5) and is not "
               "ignore_index 255");
  EXPECT_EQ(sum(cm).item(), 0);
  // The ignored pixel's prediction 9 does not matter; pixel 3's does.
  Tensor fixed = from_vector<int64_t>({0, 1, 255, 4}, {1, 2, 2}, {DType::U8});
  Tensor bad = from_vector<int64_t>({0, 1, 9, 5}, {1, 2, 2}, {DType::I32});
  EXPECT_ERROR(confusion_matrix_(cm, bad, fixed, 5), "predicted label 5 at pixel 3");
  confusion_matrix_(cm, pred, fixed, 5);
  EXPECT_EQ(sum(cm).item(), 3);
}

TEST(Confusion, ArgumentChecks) {
  Tensor target = zeros({2, 3, 4}, {DType::I64}), labels = zeros({2, 3, 4}, {DType::I64});
  Tensor cm = zeros({3, 3}, {DType::I64});
  EXPECT_ERROR(confusion_matrix_(cm, labels, target, 4), "'counts' must be a contiguous tensor");
  EXPECT_ERROR(confusion_matrix(zeros({2, 4, 3, 4}), target, 3), "must have num_classes 3");
  EXPECT_ERROR(confusion_matrix(labels, zeros({2, 3, 4}), 3), "'target' must hold u8, i32");
  EXPECT_ERROR(confusion_matrix(zeros({2, 3, 5}, {DType::I64}), target, 3),
               "do not match 'target'");
  EXPECT_ERROR(confusion_matrix(labels, target, 0), "num_classes 0");
}

TEST(Confusion, BinarizeThresholds) {
  Tensor logits = from_vector<double>({-1.0, 0.0, 0.5, 2.0, NAN, -3.0}, {1, 1, 2, 3});
  EXPECT_EQ(binarize(logits, 0.5).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1, 1, 0, 0}));
  // sigmoid(0.5) = 0.62, sigmoid(2) = 0.88
  EXPECT_EQ(binarize(logits, 0.7).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 1, 0, 0}));
  // Strictly above: 0.3 itself (as f32 here) is background.
  Tensor probs = from_vector<double>({0.1, 0.3, 0.31, 0.9}, {1, 2, 2}, {DType::F32});
  EXPECT_EQ(binarize(probs, 0.3, BinaryInput::Probabilities).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_ERROR(binarize(logits, 1.0), "threshold 1 for logits");
  EXPECT_ERROR(binarize(zeros({1, 2, 2, 3}), 0.5), "must have one channel");
}

TEST(Confusion, MatchesCpu_CUDA) {
  // 150 classes need opt-in shared memory; 200 do not fit it and take the global-atomic path.
  for (int64_t c : {2, 19, 150, 200})
    for (DType tt : kLabelTypes) {
      Shape s{3, 31, 67};
      int64_t ig = ignore_for(tt);
      Tensor target = random_labels(s, c, tt, 10, 3, 0.05, ig);
      Tensor pred = random_labels(s, c, DType::I64, 11, 2);
      Tensor logits = tied_logits({3, c, 31, 67}, DType::F32, 12);
      auto expect = naive_confusion(pred, target, c, ig);
      Device g = cuda_device(0);
      EXPECT_EQ(confusion_matrix(pred.to(g), target.to(g), c, ig).to_vector<int64_t>(), expect)
          << c << " classes, target " << tt;
      for (DType lt : {DType::F32, DType::BF16}) {
        Tensor l = logits.to(lt);
        EXPECT_EQ(confusion_matrix(l.to(g), target.to(g), c, ig).to_vector<int64_t>(),
                  confusion_matrix(l, target, c, ig).to_vector<int64_t>())
            << c << " classes, logits " << lt << ", target " << tt;
      }
    }
}

TEST(Confusion, AccumulatesOnDevice_CUDA) {
  Device g = cuda_device(0);
  Shape s{5, 129, 257};
  Tensor t1 = random_labels(s, 19, DType::U8, 20, 4, 0.1), p1 = random_labels(s, 19, DType::U8, 21);
  Tensor t2 = random_labels(s, 19, DType::U8, 22, 1, 0.1), p2 = random_labels(s, 19, DType::U8, 23);
  ConfusionMatrix acc(19, g);
  acc.update(p1.to(g), t1.to(g));
  acc.update(p2.to(g), t2.to(g));
  EXPECT_EQ(acc.counts().device(), g);
  EXPECT_EQ(acc.read().counts,
            add(naive_confusion(p1, t1, 19, 255), naive_confusion(p2, t2, 19, 255)));
}

TEST(Confusion, OutOfRangeCountsNowhere_CUDA) {
  Device g = cuda_device(0);
  Tensor target = from_vector<int64_t>({0, 1, 255, 7, 3}, {1, 1, 5}, {DType::U8, g});
  Tensor pred = from_vector<int64_t>({0, 1, 9, 2, 6}, {1, 1, 5}, {DType::I32, g});
  ConfusionMatrix acc(5, g);
  acc.update(pred, target);
  EXPECT_EQ(sum(acc.counts()).item(), 2);
  EXPECT_ERROR(acc.read(), "confusion_matrix: 2 pixels had a label outside [0, num_classes)");
  acc.reset();
  EXPECT_EQ(acc.read().counts, std::vector<int64_t>(25, 0));
}
