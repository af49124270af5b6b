// Where a run's numbers and messages go besides callbacks: a CSV of every logged value (one row
// per value, so new names need no new columns), the console progress line, and the console
// itself, kept in the run directory as train.log.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
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

// What the run prints (progress, evaluations, warnings) goes to the console and is appended to
// `path` (train.log), so the run directory keeps it after the terminal or the job's output is
// gone. Appends when resuming, else starts the file anew; every line is flushed.
class ConsoleLog {
 public:
  ConsoleLog(const std::string& path, bool append);
  ConsoleLog() = default;              // a data-parallel run's other ranks: warnings only, no file
  void info(const std::string& text);  // stdout
  void warn(const std::string& text);  // stderr, "warning: " first

 private:
  std::ofstream out_;
};

// Progress of a long loop for a person watching: "evaluating: 120/500 images  3.1 img/s  ETA 2:05"
// at most every `every_s` seconds (a loop shorter than that prints nothing), through `print`.
class ProgressMeter {
 public:
  ProgressMeter(std::string what, int64_t total, std::function<void(const std::string&)> print,
                double every_s = 10);
  void advance(int64_t count);  // `count` more items are done

 private:
  std::string what_;
  int64_t total_, done_ = 0;
  std::function<void(const std::string&)> print_;
  double every_s_;
  std::chrono::steady_clock::time_point start_, last_;
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
