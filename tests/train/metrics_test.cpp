#include "train/metrics.h"

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;
using namespace tessel::train;

namespace {

// Rows target, columns prediction. Class 2 has one target pixel and is never predicted; class 3
// appears nowhere (absent).
ConfusionCounts four_classes() {
  return {4,
          {5, 1, 0, 0,  //
           2, 3, 0, 0,  //
           0, 1, 0, 0,  //
           0, 0, 0, 0}};
}

void expect_value(const std::optional<double>& v, double expected, const char* what) {
  ASSERT_TRUE(v.has_value()) << what << " is absent";
  EXPECT_DOUBLE_EQ(*v, expected) << what;
}

}  // namespace

TEST(Metrics, HandComputedWithAbsentClass) {
  SegmentationMetrics m = segmentation_metrics(four_classes());
  // targets per class 6, 5, 1, 0; predictions 7, 5, 0, 0; 8 of 12 pixels correct.
  expect_value(m.pixel_accuracy, 8.0 / 12, "pixel accuracy");
  EXPECT_EQ(m.present, (std::vector<bool>{true, true, true, false}));
  expect_value(m.iou[0], 5.0 / 8, "IoU 0");  // 5 / (6 + 7 - 5)
  expect_value(m.iou[1], 3.0 / 7, "IoU 1");
  expect_value(m.iou[2], 0.0, "IoU 2");
  EXPECT_FALSE(m.iou[3].has_value());
  expect_value(m.dice[0], 10.0 / 13, "Dice 0");
  expect_value(m.dice[1], 6.0 / 10, "Dice 1");
  expect_value(m.recall[2], 0.0, "recall 2");
  EXPECT_FALSE(m.precision[2].has_value());  // never predicted
  expect_value(m.precision[0], 5.0 / 7, "precision 0");
  expect_value(m.mean_iou.value, (5.0 / 8 + 3.0 / 7) / 3, "mIoU");
  EXPECT_EQ(m.mean_iou.count, 3);
  expect_value(m.mean_dice.value, (10.0 / 13 + 0.6) / 3, "mDice");
  expect_value(m.mean_accuracy.value, (5.0 / 6 + 3.0 / 5) / 3, "mean accuracy");
  expect_value(m.fw_iou, (6 * 5.0 / 8 + 5 * 3.0 / 7) / 12, "fwIoU");
}

TEST(Metrics, ClassesOfInterest) {
  SegmentationMetrics m = segmentation_metrics(four_classes(), {1, 0});
  expect_value(m.mean_iou.value, (5.0 / 8 + 3.0 / 7) / 2, "mIoU over {0, 1}");
  EXPECT_EQ(m.mean_iou.count, 2);
  expect_value(m.fw_iou, (6 * 5.0 / 8 + 5 * 3.0 / 7) / 11, "fwIoU over {0, 1}");
  expect_value(m.pixel_accuracy, 8.0 / 12, "pixel accuracy stays global");
  SegmentationMetrics only_absent = segmentation_metrics(four_classes(), {3});
  EXPECT_FALSE(only_absent.mean_iou.value.has_value());
  EXPECT_EQ(only_absent.mean_iou.count, 0);
  EXPECT_FALSE(only_absent.fw_iou.has_value());
  EXPECT_ERROR(segmentation_metrics(four_classes(), {4}), "class of interest 4 is outside [0, 4)");
  EXPECT_ERROR(segmentation_metrics(four_classes(), {1, 1}), "class of interest 1 given twice");
}

TEST(Metrics, EmptyMatrixIsAllAbsent) {
  SegmentationMetrics m = segmentation_metrics({2, {0, 0, 0, 0}});
  EXPECT_FALSE(m.pixel_accuracy.has_value());
  EXPECT_FALSE(m.mean_iou.value.has_value());
  EXPECT_FALSE(m.iou[0].has_value());
  EXPECT_ERROR(segmentation_metrics({3, {1, 2}}), "2 counts for 3 classes, expected 9");
}

TEST(Metrics, BinaryFromThresholdedLogits) {
  BinaryMetrics b = binary_metrics({2, {10, 2, 3, 5}});  // tn fp / fn tp
  expect_value(b.iou, 5.0 / 10, "binary IoU");
  expect_value(b.dice, 10.0 / 15, "binary Dice");
  EXPECT_FALSE(binary_metrics({2, {7, 0, 0, 0}}).iou.has_value());
  // End to end: foreground where sigmoid(logit) > 0.5; pixel 1 is ignored.
  Tensor logits = from_vector<double>({3, -1, 2, -2, 1, -4}, {1, 1, 2, 3});
  Tensor target = from_vector<int64_t>({1, 255, 0, 0, 1, 1}, {1, 2, 3}, {DType::U8});
  ConfusionMatrix cm(2);
  cm.update(binarize(logits, 0.5), target);
  BinaryMetrics e = binary_metrics(cm.read());  // tp 2, fp 1, fn 1
  expect_value(e.iou, 2.0 / 4, "IoU");
  expect_value(e.dice, 4.0 / 6, "Dice");
}

TEST(Metrics, BoundaryMeansOverPresentClasses) {
  BoundaryMetrics m = boundary_metrics({3, {2, 0, 0}, {4, 3, 0}});
  expect_value(m.iou[0], 0.5, "boundary IoU 0");
  expect_value(m.iou[1], 0.0, "boundary IoU 1");
  EXPECT_FALSE(m.iou[2].has_value());
  expect_value(m.mean_iou.value, 0.25, "mean boundary IoU");
  EXPECT_EQ(m.mean_iou.count, 2);
  expect_value(boundary_metrics({3, {2, 0, 0}, {4, 3, 0}}, {0}).mean_iou.value, 0.5, "over {0}");
}

TEST(Metrics, TableShowsAbsentClasses) {
  std::string t =
      metrics_table(segmentation_metrics(four_classes()), {"road", "car", "sky", "boat"});
  EXPECT_NE(t.find("0 road"), std::string::npos) << t;
  EXPECT_NE(t.find("62.50"), std::string::npos) << t;  // IoU of road
  EXPECT_NE(t.find("3 boat (absent)"), std::string::npos) << t;
  EXPECT_NE(t.find("       -        -        -        -\n"), std::string::npos) << t;
  EXPECT_NE(t.find("mean (3/4)"), std::string::npos) << t;
  EXPECT_NE(t.find("pixel accuracy 66.67"), std::string::npos) << t;
  EXPECT_ERROR(metrics_table(segmentation_metrics(four_classes()), {"road"}), "1 names for 4");
}
