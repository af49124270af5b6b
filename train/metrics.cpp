#include "train/metrics.h"

#include <cstdio>
#include <numeric>

#include "core/error.h"
#include "core/json.h"

namespace tessel::train {
namespace {

std::optional<double> ratio(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return double(num) / double(den);
}

// The classes of interest, checked; every class when none are given.
std::vector<int64_t> classes_of_interest(const char* op, int64_t c,
                                         const std::vector<int64_t>& classes) {
  if (classes.empty()) {
    std::vector<int64_t> all(static_cast<size_t>(c));
    std::iota(all.begin(), all.end(), 0);
    return all;
  }
  std::vector<bool> seen(size_t(c), false);
  for (int64_t k : classes) {
    TESSEL_CHECK(k >= 0 && k < c, op, ": class of interest ", k, " is outside [0, ", c, ")");
    TESSEL_CHECK(!seen[size_t(k)], op, ": class of interest ", k, " given twice");
    seen[size_t(k)] = true;
  }
  return classes;
}

ClassMean mean_over(const ClassValues& v, const std::vector<int64_t>& classes) {
  ClassMean m;
  double sum = 0;
  for (int64_t k : classes)
    if (v[size_t(k)]) sum += *v[size_t(k)], ++m.count;
  if (m.count) m.value = sum / double(m.count);
  return m;
}

std::string percent(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *v * 100);
  return buf;
}

}  // namespace

SegmentationMetrics segmentation_metrics(const ConfusionCounts& cm,
                                         const std::vector<int64_t>& classes) {
  int64_t c = cm.num_classes;
  TESSEL_CHECK(c > 0 && int64_t(cm.counts.size()) == c * c,
               "segmentation_metrics: ", cm.counts.size(), " counts for ", c, " classes, expected ",
               c * c);
  SegmentationMetrics m;
  m.num_classes = c;
  m.classes = classes_of_interest("segmentation_metrics", c, classes);
  std::vector<int64_t> targets(size_t(c), 0), preds(size_t(c), 0);
  int64_t correct = 0, total = 0;
  for (int64_t t = 0; t < c; ++t)
    for (int64_t p = 0; p < c; ++p) {
      targets[size_t(t)] += cm.at(t, p), preds[size_t(p)] += cm.at(t, p);
      total += cm.at(t, p);
    }
  for (int64_t k = 0; k < c; ++k) {
    int64_t tp = cm.at(k, k), tk = targets[size_t(k)], pk = preds[size_t(k)];
    correct += tp;
    m.present.push_back(tk + pk > 0);
    m.iou.push_back(ratio(tp, tk + pk - tp));
    m.dice.push_back(ratio(2 * tp, tk + pk));
    m.recall.push_back(ratio(tp, tk));
    m.precision.push_back(ratio(tp, pk));
  }
  m.pixel_accuracy = ratio(correct, total);
  m.mean_iou = mean_over(m.iou, m.classes);
  m.mean_dice = mean_over(m.dice, m.classes);
  m.mean_accuracy = mean_over(m.recall, m.classes);
  double weighted = 0;
  int64_t weight = 0;
  for (int64_t k : m.classes) {
    weighted += double(targets[size_t(k)]) * m.iou[size_t(k)].value_or(0);
    weight += targets[size_t(k)];
  }
  if (weight) m.fw_iou = weighted / double(weight);
  return m;
}

BinaryMetrics binary_metrics(const ConfusionCounts& cm) {
  TESSEL_CHECK(cm.num_classes == 2, "binary_metrics: expected a 2 x 2 confusion matrix, got ",
               cm.num_classes, " classes");
  SegmentationMetrics m = segmentation_metrics(cm);
  return {m.iou[1], m.dice[1]};
}

BoundaryMetrics boundary_metrics(const BoundaryCounts& counts,
                                 const std::vector<int64_t>& classes) {
  int64_t c = counts.num_classes;
  TESSEL_CHECK(int64_t(counts.intersection.size()) == c && int64_t(counts.unions.size()) == c,
               "boundary_metrics: ", counts.intersection.size(), " intersections and ",
               counts.unions.size(), " unions for ", c, " classes");
  BoundaryMetrics m;
  for (int64_t k = 0; k < c; ++k)
    m.iou.push_back(ratio(counts.intersection[size_t(k)], counts.unions[size_t(k)]));
  m.mean_iou = mean_over(m.iou, classes_of_interest("boundary_metrics", c, classes));
  return m;
}

std::string metrics_table(const SegmentationMetrics& m, const std::vector<std::string>& names) {
  TESSEL_CHECK(names.empty() || int64_t(names.size()) == m.num_classes,
               "metrics_table: ", names.size(), " names for ", m.num_classes, " classes");
  std::string out;
  char line[160];
  auto row = [&](const std::string& label, const std::string& a, const std::string& b,
                 const std::string& r, const std::string& p) {
    std::snprintf(line, sizeof line, "%-24s %8s %8s %8s %8s\n", label.c_str(), a.c_str(), b.c_str(),
                  r.c_str(), p.c_str());
    out += line;
  };
  row("class", "IoU", "Dice", "Acc", "Prec");
  for (int64_t k = 0; k < m.num_classes; ++k) {
    std::string label = std::to_string(k) + (names.empty() ? "" : " " + names[size_t(k)]);
    if (!m.present[size_t(k)]) label += " (absent)";
    row(label, percent(m.iou[size_t(k)]), percent(m.dice[size_t(k)]), percent(m.recall[size_t(k)]),
        percent(m.precision[size_t(k)]));
  }
  row("mean (" + std::to_string(m.mean_iou.count) + "/" + std::to_string(m.classes.size()) + ")",
      percent(m.mean_iou.value), percent(m.mean_dice.value), percent(m.mean_accuracy.value), "");
  out += "pixel accuracy " + percent(m.pixel_accuracy) + ", fwIoU " + percent(m.fw_iou) + "\n";
  return out;
}

std::string metrics_json(const SegmentationMetrics& m, const ConfusionCounts& counts,
                         const std::vector<std::string>& names) {
  TESSEL_CHECK(names.size() == size_t(m.num_classes), "metrics_json: ", names.size(),
               " class names for ", m.num_classes, " classes");
  auto value = [](const std::optional<double>& v) { return v ? Json(*v) : Json(); };
  auto at = [](const ClassValues& v, size_t c) { return c < v.size() ? v[c] : std::nullopt; };
  Json classes = Json::array();
  for (size_t c = 0; c < names.size(); ++c)
    classes.push_back({{"name", names[c]},
                       {"present", c < m.present.size() && m.present[c]},
                       {"iou", value(at(m.iou, c))},
                       {"dice", value(at(m.dice, c))},
                       {"recall", value(at(m.recall, c))},
                       {"precision", value(at(m.precision, c))}});
  Json confusion = Json::array();
  for (int64_t t = 0; t < counts.num_classes; ++t) {
    Json row = Json::array();
    for (int64_t p = 0; p < counts.num_classes; ++p) row.push_back(counts.at(t, p));
    confusion.push_back(std::move(row));
  }
  const Json out = {{"mIoU", value(m.mean_iou.value)},
                    {"mDice", value(m.mean_dice.value)},
                    {"mAcc", value(m.mean_accuracy.value)},
                    {"aAcc", value(m.pixel_accuracy)},
                    {"fwIoU", value(m.fw_iou)},
                    {"classes", std::move(classes)},
                    {"confusion", std::move(confusion)}};
  return out.dump(2) + "\n";
}

}  // namespace tessel::train
