// The last step of every pipeline: interleaved integer pixels become planar normalised floats,
// the layout and scale a network takes.
#pragma once

#include <utility>
#include <vector>

#include "data/dataset.h"
#include "engine/tensor.h"

namespace tessel::data {

// (x - mean[c]) / std[c] on the raw sample values (0..255 for 8-bit images, as mmseg's
// data preprocessor). One value per channel; the default passes values through as floats.
struct Normalize {
  std::vector<double> mean{0.0}, std{1.0};
};

// Writes img as channel-planar floats (C*H*W values) to `chw`.
void normalize_into(const Image& img, const Normalize& n, float* chw);

// A sample as tensors: image [C, H, W] f32, mask [H, W] of `mask_dtype` (u8 or i64).
std::pair<Tensor, Tensor> to_tensors(const Sample& s, const Normalize& n,
                                     DType mask_dtype = DType::U8);

}  // namespace tessel::data
