// Writes the tiny images and masks the dataset and check tests lay out on disk.
#pragma once

#include <string>
#include <vector>

#include "data/image_io.h"

namespace tessel::testing {

// A grey image of h x w (the datasets only need it to exist and have a size).
inline void write_image(const std::string& path, int64_t h, int64_t w) {
  data::Image im{h, w, 1, 8, std::vector<uint8_t>(static_cast<size_t>(h * w), 100)};
  data::write_png(path, im);
}

// A single-channel 8-bit PNG holding `values` as they are (h x w, row-major).
inline void write_grey_mask(const std::string& path, int64_t h, int64_t w,
                            const std::vector<uint8_t>& values) {
  data::write_png(path, data::Image{h, w, 1, 8, values});
}

// An RGB PNG with pixel i coloured colours[i].
inline void write_rgb_mask(const std::string& path, int64_t h, int64_t w,
                           const std::vector<data::Rgb>& colours) {
  data::Image im{h, w, 3, 8, {}};
  for (const data::Rgb& c : colours) im.bytes.insert(im.bytes.end(), c.begin(), c.end());
  data::write_png(path, im);
}

}  // namespace tessel::testing
