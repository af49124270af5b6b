// What the command-line tools share: argument parsing whose errors say what to type, the
// spellings of sizes, windows and scale lists, and loading a model with its weights.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/normalize.h"
#include "models/segmentation_model.h"
#include "train/inference.h"

namespace tessel::train {

// "--name VALUE" options, value-less "--name" switches and positional arguments. Unknown
// options, a missing value and a repeated option are errors naming them.
class CommandLine {
 public:
  CommandLine(int argc, const char* const* argv, std::set<std::string> options,
              std::set<std::string> switches);
  bool help() const { return has("--help") || has("-h"); }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;  // throws "missing <name>"
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

int64_t parse_int(const std::string& text, const std::string& what);
// "WxH" (width first, as image tools write sizes) as (height, width).
Size2 parse_size(const std::string& text, const std::string& what);
// "WxH:SxS": window and stride, both width first.
SlidingWindow parse_sliding(const std::string& text);
// "0.75,1,1.25"
std::vector<double> parse_scales(const std::string& text);
// --sliding, --scales and --flip as the inference options they spell.
InferenceOptions parse_inference(const CommandLine& cl);
// --max-pixels N: the decoders' pixel limit (data/decode_limits.h), when given.
void apply_max_pixels(const CommandLine& cl);
// "cpu", "cuda", "cuda:1"; "" picks cuda when a GPU is present, else the CPU.
Device parse_device(const std::string& text);

// The weights file of `path`: itself for a .safetensors file, <path>/model.safetensors for a
// checkpoint directory. Throws when there is none.
std::string weights_file(const std::string& path);

// A model with its weights, in eval mode on `device`, and how its inputs are normalised. A
// checkpoint written by the trainer names its model, classes, options and normalisation in its
// metadata; `name` and `num_classes` (from --model / --classes) are then optional and, when
// given, must agree with it. Plain .safetensors files need both, and get ImageNet's
// normalisation.
struct LoadedModel {
  std::shared_ptr<models::SegmentationModel> model;
  std::string name;
  int64_t num_classes = 0;
  data::Normalize normalize;
};
LoadedModel load_model(const std::string& weights, const std::string& name, int64_t num_classes,
                       Device device);
// The same from --weights, and --model and --classes when given.
LoadedModel load_model(const CommandLine& cl, Device device);

// ImageNet's mean and std on 0..255 values, as the torchvision and mmseg recipes normalise.
data::Normalize imagenet_normalize();
// The metadata entries that record a normalisation ("normalize_mean", "normalize_std": comma
// separated), as the trainer writes them into checkpoints.
std::map<std::string, std::string> normalize_metadata(const data::Normalize& n);
// An 8-bit grey, RGB or RGBA image as a normalised RGB batch of one, [1, 3, H, W] on `device`.
Tensor image_batch(const data::Image& image, const data::Normalize& n, Device device);

}  // namespace tessel::train
