// report.html: the page a person opens first. One self-contained file (no network, no script):
// the loss, learning-rate and metric curves as inline SVG, the best evaluation's per-class
// table, its confusion matrix and overlays (embedded PNGs, with a legend of class colours), the
// best checkpoints so far, and the recipe as run. The Trainer rewrites it at each evaluation.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/image.h"
#include "train/metrics.h"

namespace tessel::train {

struct ReportPage {
  std::string title;        // "regseg48 on synthetic"
  std::string status;       // "iteration 300 of 600 on cpu"
  std::string metrics_csv;  // the run's metrics.csv (iteration,name,value): the curves
  int64_t eval_iteration = 0;
  SegmentationMetrics metrics;  // of the evaluation shown (the best so far)
  ConfusionCounts counts;
  std::vector<std::string> class_names;
  std::vector<data::Rgb> class_colours;
  std::vector<std::string> overlay_pngs;         // encoded PNG files: target | prediction
  std::string metric;                            // what "best" ranks by (checkpoint.metric)
  std::vector<std::pair<int64_t, double>> best;  // (iteration, score), best first
  std::string recipe_yaml;
};

std::string report_html(const ReportPage& page);

// The curves of a metrics.csv: for each name, its (iteration, value) points in file order. A
// missing file gives none; a malformed line is an Error naming the file and the line.
std::vector<std::pair<std::string, std::vector<std::pair<int64_t, double>>>> read_metrics_csv(
    const std::string& path);

}  // namespace tessel::train
