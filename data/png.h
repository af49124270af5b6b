// Our own PNG codec, beside stb: stb expands palettes to RGB and scales low-bit grey to 0..255,
// but a label mask must come back as the indices that were stored, and stb_image_write has no
// 16-bit or palette output. Covers non-interlaced PNGs of every colour type and bit depth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/image.h"

namespace tessel::data::png {

enum class ColourType : uint8_t { Grey = 0, Rgb = 2, Palette = 3, GreyAlpha = 4, Rgba = 6 };

// The five per-row filters of the PNG specification, by their on-disk numbers.
enum class Filter : uint8_t { None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4 };

struct Raster {
  int64_t height = 0, width = 0;
  int bit_depth = 8;  // 1, 2, 4, 8 or 16
  ColourType colour_type = ColourType::Grey;
  std::vector<Rgb> palette;  // PLTE, for ColourType::Palette
  // One entry per sample, row-major and interleaved, unpacked from the bit stream: values below
  // 2^bit_depth, exactly as stored (no scaling).
  std::vector<uint16_t> samples;
  int channels() const;
};

// The colour type from the header of a PNG file; nullopt when the file is not a PNG.
std::optional<ColourType> colour_type(const std::string& path);

Raster read(const std::string& path);
// `filter` is applied to every row: None is what libpng recommends for palette images; the others
// are there so the reader can be tested on each.
void write(const std::string& path, const Raster& raster, Filter filter = Filter::None);

}  // namespace tessel::data::png
