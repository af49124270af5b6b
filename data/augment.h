// Augmentation pipelines, built from a description a config file can list:
//
//   Pipeline::from_description({{"resize", {{"scale", "0.5,2.0"}}},
//                               {"crop", {{"size", "512,512"}, {"cat_max_ratio", "0.75"}}},
//                               {"hflip", {{"p", "0.5"}}},
//                               {"photometric", {}},
//                               {"normalize", {{"mean", "123.675,116.28,103.53"},
//                                              {"std", "58.395,57.12,57.375"}}}});
//
// Steps (keys and defaults; "a,b" is a range drawn uniformly, "h,w" a size):
//   resize       scale "1,1", aspect "1,1" (width/height stretch), size "0,0": with a size the
//                image is first fitted inside it keeping its ratio (mmseg's RandomResize scale)
//   crop         size (required), cat_max_ratio 1 (< 1: retry up to 10 windows until no class
//                covers that share of the labelled pixels), pad 0, ignore 255
//   hflip, vflip p 0.5
//   rotate       p 0.5, degrees "-10,10" (one value d means "-d,d"), fill 0, ignore 255
//   photometric  brightness 32, contrast "0.5,1.5", saturation "0.5,1.5", hue 18
//   blur         p 0.5, kernel 5, sigma "0.1,2.0"
//   normalize    mean "0", std "1" (one value or one per channel); last if present
// Unknown steps and keys, and values that do not parse, are errors that name them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/normalize.h"
#include "data/rng.h"

namespace tessel::data {

using StepOptions = std::map<std::string, std::string>;
struct Step {
  std::string name;
  StepOptions options;
};

class Pipeline {
 public:
  using Transform = std::function<void(Sample&, Rng&)>;

  static Pipeline from_description(const std::vector<Step>& steps);

  // Runs every step on the sample, drawing from `rng`: the same sample and generator state give
  // the same result.
  void apply(Sample& s, Rng& rng) const;
  const Normalize& normalize() const { return normalize_; }

 private:
  std::vector<Transform> transforms_;
  Normalize normalize_;
};

}  // namespace tessel::data
