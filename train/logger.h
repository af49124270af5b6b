// Where a run's numbers go besides callbacks: a CSV of every logged value (one row per value, so
// new names need no new columns), and the console progress line.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "core/device.h"

namespace tessel::train {

// metrics.csv: iteration,name,value. Appends when resuming, else starts the file anew.
class CsvLog {
 public:
  CsvLog(const std::string& path, bool append);
  void log(int64_t iteration, const std::string& name, double value);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

struct ProgressLine {
  int64_t iteration, total, epoch;
  double loss, lr, images_per_s;
  double eta_s;
  Device device;
};
// "iter 120/300  epoch 2  loss 0.4312  lr 5.2e-03  38.1 img/s  ETA 0:47  mem 812 MB" (memory on
// CUDA only).
std::string format_progress(const ProgressLine& p);

}  // namespace tessel::train
