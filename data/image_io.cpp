#include "data/image_io.h"

#include <cstring>
#include <fstream>
#include <memory>
#include <unordered_map>

#include "core/error.h"
#include "data/jpeg.h"

namespace tessel::data {
namespace {

void check_image(const Image& im, const std::string& path) {
  TESSEL_CHECK(im.channels == 1 || im.channels == 3 || im.channels == 4, "write: ", path, ": ",
               im.channels, " channels, expected 1, 3 or 4");
  TESSEL_CHECK(im.bits == 8 || im.bits == 16, "write: ", path, ": ", im.bits,
               " bits, expected 8 or 16");
  TESSEL_CHECK(im.bytes.size() == size_t(im.pixels() * im.channels * (im.bits / 8)),
               "write: ", path, ": ", im.bytes.size(), " bytes for ", im.height, "x", im.width, "x",
               im.channels, " at ", im.bits, " bits");
}

png::ColourType colour_type_for(int64_t channels) {
  return channels == 1 ? png::ColourType::Grey
                       : (channels == 3 ? png::ColourType::Rgb : png::ColourType::Rgba);
}

Mask labels_from_colours(const Image& im, const std::vector<Rgb>& colours,
                         const std::string& path) {
  TESSEL_CHECK(!colours.empty(), "read_mask: ", path,
               " is a colour mask but the dataset gives no class colours to decode it");
  TESSEL_CHECK(im.bits == 8, "read_mask: ", path, ": 16-bit colour masks are not supported");
  auto key = [](const uint8_t* p) { return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]; };
  std::unordered_map<uint32_t, uint8_t> label_of;
  for (size_t i = colours.size(); i-- > 0;) label_of[key(colours[i].data())] = uint8_t(i);
  Mask m{im.height, im.width, std::vector<uint8_t>(static_cast<size_t>(im.pixels()))};
  const uint8_t* p = im.bytes.data();
  for (int64_t i = 0; i < im.pixels(); ++i, p += im.channels) {
    auto it = label_of.find(key(p));
    TESSEL_CHECK(it != label_of.end(), "read_mask: ", path, ": colour (", int(p[0]), ", ",
                 int(p[1]), ", ", int(p[2]), ") at (", i / im.width, ", ", i % im.width,
                 ") is not one of the ", colours.size(), " class colours");
    m.labels[size_t(i)] = it->second;
  }
  return m;
}

}  // namespace

Image read_image(const std::string& path) {
  TESSEL_CHECK(std::ifstream(path).good(), "read_image: cannot open ", path);
  if (png::is_png(path)) {
    png::Pixels px = png::decode(path, png::Mode::Display);
    return {px.height, px.width, px.channels, 8 * px.sample_bytes, std::move(px.bytes)};
  }
  if (jpeg::is_jpeg(path)) return jpeg::read(path);
  TESSEL_FAIL("read_image: ", path, ": not a PNG or JPEG file (other formats: convert them first)");
}

namespace {

png::Raster raster_of(const Image& im, const std::string& path) {
  check_image(im, path);
  png::Raster r{im.height, im.width, im.bits, colour_type_for(im.channels), {}, {}};
  r.samples.resize(static_cast<size_t>(im.pixels() * im.channels));
  if (im.bits == 16)
    std::memcpy(r.samples.data(), im.bytes.data(), im.bytes.size());
  else
    std::copy(im.bytes.begin(), im.bytes.end(), r.samples.begin());
  return r;
}

}  // namespace

void write_png(const std::string& path, const Image& im) {
  png::write(path, raster_of(im, path));
}

std::vector<uint8_t> encode_png(const Image& im, const std::string& what) {
  return png::encode(raster_of(im, what), png::Filter::None, what);
}

void write_jpeg(const std::string& path, const Image& im, int quality) {
  check_image(im, path);
  TESSEL_CHECK(quality >= 1 && quality <= 100, "write_jpeg: ", path, ": quality ", quality,
               " outside 1..100");
  jpeg::write(path, im, quality);
}

Mask read_mask(const std::string& path, const std::vector<Rgb>& colours) {
  std::optional<png::ColourType> type = png::colour_type(path);
  if (type == png::ColourType::Grey || type == png::ColourType::Palette) {
    png::Pixels px = png::decode(path, png::Mode::Stored);
    if (px.sample_bytes == 1) return {px.height, px.width, std::move(px.bytes)};
    Mask m{px.height, px.width, std::vector<uint8_t>(px.bytes.size() / 2)};
    for (size_t i = 0; i < m.labels.size(); ++i) {
      uint16_t v;
      std::memcpy(&v, &px.bytes[2 * i], 2);
      TESSEL_CHECK(v <= 255, "read_mask: ", path, ": label ", v, " at (", int64_t(i) / px.width,
                   ", ", int64_t(i) % px.width, ") does not fit in 8 bits");
      m.labels[i] = uint8_t(v);
    }
    return m;
  }
  Image im = read_image(path);
  if (im.channels != 1) return labels_from_colours(im, colours, path);
  return {im.height, im.width, std::move(im.bytes)};
}

void write_palette_png(const std::string& path, const Mask& mask, std::vector<Rgb> palette,
                       png::Filter filter) {
  TESSEL_CHECK(mask.labels.size() == size_t(mask.height * mask.width), "write_palette_png: ", path,
               ": ", mask.labels.size(), " labels for ", mask.height, "x", mask.width);
  size_t entries = palette.size();
  for (uint8_t l : mask.labels) entries = std::max(entries, size_t(l) + 1);
  palette.resize(entries, Rgb{0, 0, 0});
  int depth = 1;
  while ((size_t(1) << depth) < entries) depth *= 2;
  png::Raster r{mask.height, mask.width, depth, png::ColourType::Palette, std::move(palette), {}};
  r.samples.assign(mask.labels.begin(), mask.labels.end());
  png::write(path, r, filter);
}

std::vector<Rgb> voc_palette(int n) {
  std::vector<Rgb> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    int c = i;
    for (int bit = 7; c > 0; --bit, c >>= 3)
      for (int ch = 0; ch < 3; ++ch) out[size_t(i)][size_t(ch)] |= uint8_t(((c >> ch) & 1) << bit);
  }
  return out;
}

}  // namespace tessel::data
