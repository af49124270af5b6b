// PNG files: reading through libpng (every colour type and bit depth, interlaced or not, within
// data/decode_limits.h), writing with our own encoder (zlib; every colour type and bit depth, and
// a chosen row filter, which the tests of the reader use). A label mask must come back as the
// indices that were stored, so `read` gives samples as stored: no palette expansion, no scaling
// of low-bit grey. Every error is a tessel::Error naming the file.
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

bool is_png(const std::string& path);  // the file starts with the PNG signature

// The colour type from the header of a PNG file; nullopt when the file is not a PNG (or its first
// chunk is not IHDR, which reading then reports).
std::optional<ColourType> colour_type(const std::string& path);

// Samples as stored. A palette index beyond the palette is an error.
Raster read(const std::string& path);

// For data/image_io.cpp: `Stored` gives one byte per sample at bit depths up to 8 and one host
// uint16 per sample at 16, as stored; `Display` gives 8-bit grey (low depths scaled to 0..255),
// grey, RGB or RGBA (grey with alpha or tRNS becomes RGBA, palettes expand to RGB or, with tRNS,
// RGBA), 16-bit images staying 16 bit.
enum class Mode { Stored, Display };
struct Pixels {
  int64_t height = 0, width = 0;
  int bit_depth = 8;                          // of the file
  ColourType colour_type = ColourType::Grey;  // of the file
  int channels = 1, sample_bytes = 1;         // of `bytes`
  std::vector<Rgb> palette;                   // PLTE, for ColourType::Palette
  std::vector<uint8_t> bytes;                 // height * width * channels * sample_bytes
};
Pixels decode(const std::string& path, Mode mode);
// `filter` is applied to every row: None is what libpng recommends for palette images; the others
// are there so the reader can be tested on each.
void write(const std::string& path, const Raster& raster, Filter filter = Filter::None);
// The bytes of the file write() would write; `path` names the image in errors.
std::vector<uint8_t> encode(const Raster& raster, Filter filter, const std::string& path);

}  // namespace tessel::data::png
