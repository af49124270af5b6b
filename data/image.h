// Host images and label masks (read and written by data/image_io.h). This is the contract the datasets, augmentations and the loader share.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tessel::data {

// Interleaved HWC pixels, 8 or 16 bits per channel (16-bit samples stored as uint16_t).
struct Image {
  int64_t height = 0, width = 0, channels = 0;  // channels 1 (grey), 3 (RGB) or 4 (RGBA)
  int bits = 8;
  std::vector<uint8_t> bytes;  // height * width * channels * (bits / 8)
  int64_t pixels() const { return height * width; }
};

// Class indices, one byte per pixel: up to 255 classes, 255 is the usual ignore index.
struct Mask {
  int64_t height = 0, width = 0;
  std::vector<uint8_t> labels;
};

using Rgb = std::array<uint8_t, 3>;

}  // namespace tessel::data
