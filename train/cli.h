// What the command-line tools share below their command lines (tools/cli/): the spellings of
// sizes, windows and scale lists, with errors that say what to type, and loading a model with
// its weights.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/normalize.h"
#include "models/segmentation_model.h"
#include "train/inference.h"

namespace tessel::train {

int64_t parse_int(const std::string& text, const std::string& what);
// "WxH" (width first, as image tools write sizes) as (height, width).
Size2 parse_size(const std::string& text, const std::string& what);
// "WxH:SxS": window and stride, both width first.
SlidingWindow parse_sliding(const std::string& text);
// "0.75,1,1.25"
std::vector<double> parse_scales(const std::string& text);
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

// ImageNet's mean and std on 0..255 values, as the torchvision and mmseg recipes normalise.
data::Normalize imagenet_normalize();
// The metadata entries that record a normalisation ("normalize_mean", "normalize_std": comma
// separated), as the trainer writes them into checkpoints.
std::map<std::string, std::string> normalize_metadata(const data::Normalize& n);
// The entries that rebuild a "unet" of this shape ("unet_base_width", "unet_depth",
// "unet_bilinear", "unet_batch_norm"), as the trainer writes them into its checkpoints.
std::map<std::string, std::string> unet_metadata(const models::UNetOptions& u);
// An 8-bit grey, RGB or RGBA image as a normalised RGB batch of one, [1, 3, H, W] on `device`.
Tensor image_batch(const data::Image& image, const data::Normalize& n, Device device);

}  // namespace tessel::train
