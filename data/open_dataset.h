// Datasets by format name, for the command-line tools and configs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace tessel::data {

// `split` as the format names it (e.g. train2017, training, train); "" for the format's default
// (or, for formats with no splits, the root itself). An unknown format is an error listing the
// known ones.
std::unique_ptr<Dataset> open_dataset(const std::string& format, const std::string& root,
                                      const std::string& split = "");
std::vector<std::string> dataset_formats();

}  // namespace tessel::data
