// Checks a dataset before anyone trains on it: every sample decodes, image and mask agree in size,
// labels are classes or the ignore index; and it names the usual encoding mistakes plainly (0/255
// binary masks, colour masks where indices were meant, JPEG masks, raw ids beyond the classes).
// Also gathers the per-class pixel statistics that class weights are computed from.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "data/class_stats.h"
#include "data/dataset.h"

namespace tessel::data {

struct Finding {
  bool error = true;                  // false: a warning, training can go on
  std::string problem;                // what is wrong, in plain words
  std::string advice;                 // what to do about it
  std::vector<std::string> examples;  // the first few files (or errors naming them)
  int64_t count = 0;                  // samples affected in all
};

struct CheckReport {
  size_t samples = 0;
  ClassStats stats{0};
  std::vector<Finding> findings;
  size_t errors() const;
};

CheckReport check_dataset(const Dataset& dataset, size_t max_examples = 5);

// The findings, then a per-class table: pixels, share, masks containing the class, and the four
// class weights of data/class_stats.h.
void print_report(std::ostream& out, const CheckReport& report, const ClassInfo& classes);

// What `tessel-data check FORMAT ROOT [--split S]` does: opens the dataset, checks it, prints the
// report; returns the exit code: 0 when there are no errors, 1 when there are or when the dataset
// cannot be opened.
int run_check(const std::string& format, const std::string& root, const std::string& split,
              std::ostream& out);

}  // namespace tessel::data
