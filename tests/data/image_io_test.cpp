// Image and mask I/O: round trips through our writers and libpng / libjpeg-turbo, palette and
// grey indices exact against independent encoders (tests/fixtures/gen_palette_png.py:
// hand-filtered with zlib, and PIL; tests/fixtures/gen_bad_images.py: Adam7, low-bit and 16-bit
// grey, a hand-made JPEG), and errors that name the file. Crafted hostile files:
// decode_limits_test.cpp.
#include "data/image_io.h"
#include "tests/fixture.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "data/png.h"
#include "tests/data/temp_dir.h"
#include "tests/op_harness.h"

namespace tessel::data {
namespace {

using testing::TempDir;

Image random_image(int64_t h, int64_t w, int64_t channels, int bits, uint64_t seed) {
  Image im{h, w, channels, bits, std::vector<uint8_t>(size_t(h * w * channels * (bits / 8)))};
  std::mt19937_64 rng(seed);
  for (auto& b : im.bytes) b = uint8_t(rng());
  return im;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// The pattern of gen_palette_png.py.
constexpr int64_t kFixtureH = 7, kFixtureW = 13;
std::vector<uint8_t> fixture_indices(int depth) {
  std::vector<uint8_t> out;
  for (int64_t y = 0; y < kFixtureH; ++y)
    for (int64_t x = 0; x < kFixtureW; ++x)
      out.push_back(uint8_t((x * 7 + y * 3 + (x * y) % 5) % (1 << depth)));
  return out;
}
std::vector<Rgb> fixture_palette(int depth) {
  std::vector<Rgb> out;
  for (int i = 0; i < (1 << depth); ++i)
    out.push_back({uint8_t(i * 37 % 256), uint8_t(i * 91 % 256), uint8_t(i * 53 % 256)});
  return out;
}
std::string fixture(const std::string& name) {
  return tessel::testing::fixture_path("png/" + name);
}

TEST(ImageIo, PngRoundTripsGreyRgbRgbaAt8And16Bits) {
  TempDir dir;
  for (int bits : {8, 16})
    for (int64_t channels : {1, 3, 4}) {
      SCOPED_TRACE(::testing::Message() << bits << " bits, " << channels << " channels");
      Image im = random_image(9, 11, channels, bits, uint64_t(bits * 10 + channels));
      std::string path = dir.path("im.png");
      write_png(path, im);
      Image back = read_image(path);
      EXPECT_EQ(back.height, 9);
      EXPECT_EQ(back.width, 11);
      EXPECT_EQ(back.channels, channels);
      EXPECT_EQ(back.bits, bits);
      EXPECT_EQ(back.bytes, im.bytes);
    }
}

// The bound is what stb_image gave before libjpeg-turbo decoded our JPEGs.
TEST(ImageIo, JpegRoundTripIsClose) {
  TempDir dir;
  Image im{32, 40, 3, 8, {}};
  for (int64_t y = 0; y < 32; ++y)
    for (int64_t x = 0; x < 40; ++x)
      for (int64_t c = 0; c < 3; ++c) im.bytes.push_back(uint8_t(x * 5 + y * 3 + c * 40));
  std::string path = dir.path("im.jpg");
  write_jpeg(path, im, 95);
  Image back = read_image(path);
  ASSERT_EQ(back.channels, 3);
  ASSERT_EQ(back.bytes.size(), im.bytes.size());
  double err = 0;
  for (size_t i = 0; i < im.bytes.size(); ++i) err += std::abs(im.bytes[i] - back.bytes[i]);
  EXPECT_LT(err / double(im.bytes.size()), 2.0);

  Image grey{32, 40, 1, 8, {}};  // grey stays one channel
  for (int64_t i = 0; i < 32 * 40; ++i) grey.bytes.push_back(uint8_t(i % 40 * 5 + i / 40 * 3));
  write_jpeg(path, grey, 95);
  back = read_image(path);
  ASSERT_EQ(back.channels, 1);
  err = 0;
  for (size_t i = 0; i < grey.bytes.size(); ++i) err += std::abs(grey.bytes[i] - back.bytes[i]);
  EXPECT_LT(err / double(grey.bytes.size()), 2.0);
}

// A baseline JPEG made by hand (gen_bad_images.py): every block DC 0, so every pixel is 128.
TEST(ImageIo, HandMadeJpegDecodes) {
  Image im = read_image(fixture("grey_64.jpg"));
  EXPECT_EQ(im.height, 256);
  EXPECT_EQ(im.width, 256);
  ASSERT_EQ(im.channels, 1);
  EXPECT_EQ(im.bytes, std::vector<uint8_t>(256 * 256, 128));
}

// Formats other than PNG and JPEG are refused by name (stb_image used to read BMP).
TEST(ImageIo, OtherFormatsRefusedByName) {
  TempDir dir;
  std::vector<uint8_t> bmp(64, 0);
  bmp[0] = 'B', bmp[1] = 'M';
  write_bytes(dir.path("im.bmp"), bmp);
  EXPECT_ERROR(read_image(dir.path("im.bmp")), dir.path("im.bmp") + ": not a PNG or JPEG file");
  EXPECT_ERROR(read_mask(dir.path("im.bmp")), dir.path("im.bmp") + ": not a PNG or JPEG file");
}

TEST(ImageIo, PaletteIndicesExactFromIndependentEncodersEveryDepthAndFilter) {
  for (int depth : {1, 2, 4, 8}) {
    std::vector<std::string> names{"palette_d" + std::to_string(depth) + "_pil.png"};
    for (int f = 0; f < 5; ++f)
      names.push_back("palette_d" + std::to_string(depth) + "_f" + std::to_string(f) + ".png");
    for (const auto& name : names) {
      SCOPED_TRACE(name);
      Mask m = read_mask(fixture(name));
      EXPECT_EQ(m.height, kFixtureH);
      EXPECT_EQ(m.width, kFixtureW);
      EXPECT_EQ(m.labels, fixture_indices(depth));
      png::Raster r = png::read(fixture(name));
      EXPECT_EQ(r.bit_depth, depth);
      EXPECT_EQ(r.palette, fixture_palette(depth));
    }
  }
}

TEST(ImageIo, PaletteWriterRoundTripsEveryDepthAndFilter) {
  TempDir dir;
  for (int depth : {1, 2, 4, 8})
    for (int f = 0; f < 5; ++f) {
      SCOPED_TRACE(::testing::Message() << "depth " << depth << ", filter " << f);
      Mask m{kFixtureH, kFixtureW, fixture_indices(depth)};
      std::string path = dir.path("mask.png");
      write_palette_png(path, m, fixture_palette(depth), png::Filter(f));
      png::Raster r = png::read(path);
      EXPECT_EQ(r.bit_depth, depth);
      EXPECT_EQ(r.colour_type, png::ColourType::Palette);
      EXPECT_EQ(r.palette, fixture_palette(depth));
      EXPECT_EQ(read_mask(path).labels, m.labels);
      Image rgb = read_image(path);  // read_image expands the palette: the colours must match
      ASSERT_EQ(rgb.channels, 3);
      for (size_t i = 0; i < m.labels.size(); ++i)
        ASSERT_EQ(0, std::memcmp(&rgb.bytes[3 * i], fixture_palette(depth)[m.labels[i]].data(), 3))
            << "pixel " << i;
    }
}

TEST(ImageIo, PaletteWriterKeepsIgnoreLabelBeyondPalette) {
  TempDir dir;
  Mask m{2, 3, {0, 20, 255, 7, 255, 1}};
  write_palette_png(dir.path("voc.png"), m, voc_palette(21));
  EXPECT_EQ(png::read(dir.path("voc.png")).bit_depth, 8);
  EXPECT_EQ(read_mask(dir.path("voc.png")).labels, m.labels);
  EXPECT_EQ(voc_palette(21)[15], (Rgb{192, 128, 128}));  // VOC "person"
}

TEST(ImageIo, GreyMaskGivesStoredIndex) {
  TempDir dir;
  Image grey{2, 2, 1, 8, {0, 13, 255, 149}};
  write_png(dir.path("m.png"), grey);
  EXPECT_EQ(read_mask(dir.path("m.png")).labels, grey.bytes);
  Image wide{1, 2, 1, 16, std::vector<uint8_t>(4)};
  uint16_t v[2] = {7, 300};
  std::memcpy(wide.bytes.data(), v, 4);
  write_png(dir.path("wide.png"), wide);
  EXPECT_ERROR(read_mask(dir.path("wide.png")), "label 300 at (0, 1) does not fit");
}

// Grey PNGs from another encoder: low depths give the stored indices to read_mask and values
// scaled to 0..255 to read_image; 16-bit grey gives its values to both.
TEST(ImageIo, GreyIndicesExactAtEveryDepth) {
  for (int depth : {1, 2, 4}) {
    SCOPED_TRACE(depth);
    std::string path = fixture("grey_d" + std::to_string(depth) + ".png");
    Mask m = read_mask(path);
    EXPECT_EQ(m.height, kFixtureH);
    EXPECT_EQ(m.width, kFixtureW);
    EXPECT_EQ(m.labels, fixture_indices(depth));
    Image im = read_image(path);
    ASSERT_EQ(im.channels, 1);
    ASSERT_EQ(im.bits, 8);
    std::vector<uint8_t> scaled;
    for (uint8_t v : fixture_indices(depth))
      scaled.push_back(uint8_t(v * 255 / ((1 << depth) - 1)));
    EXPECT_EQ(im.bytes, scaled);
  }
  std::string path = fixture("grey_d16.png");
  std::vector<uint8_t> expected;
  for (int64_t y = 0; y < kFixtureH; ++y)
    for (int64_t x = 0; x < kFixtureW; ++x) expected.push_back(uint8_t((x * 7 + y * 3) % 256));
  EXPECT_EQ(read_mask(path).labels, expected);
  Image im = read_image(path);
  ASSERT_EQ(im.bits, 16);
  ASSERT_EQ(im.bytes.size(), expected.size() * 2);
  for (size_t i = 0; i < expected.size(); ++i) {
    uint16_t v;
    std::memcpy(&v, &im.bytes[2 * i], 2);
    ASSERT_EQ(v, expected[i]) << "pixel " << i;
  }
}

TEST(ImageIo, ColourMaskDecodedThroughClassColours) {
  TempDir dir;
  std::vector<Rgb> colours{{0, 0, 0}, {128, 0, 0}, {0, 128, 0}};
  Image rgb{1, 3, 3, 8, {0, 128, 0, 128, 0, 0, 0, 0, 0}};
  std::string path = dir.path("colour.png");
  write_png(path, rgb);
  EXPECT_EQ(read_mask(path, colours).labels, (std::vector<uint8_t>{2, 1, 0}));
  rgb.bytes[4] = 7;  // pixel 1 becomes (128, 7, 0)
  write_png(path, rgb);
  EXPECT_ERROR(read_mask(path, colours), path + ": colour (128, 7, 0) at (0, 1) is not one of");
  EXPECT_ERROR(read_mask(path), path + " is a colour mask but the dataset gives no class colours");
}

TEST(ImageIo, TruncatedOrCorruptFilesNameTheFile) {
  TempDir dir;
  std::string path = dir.path("m.png");
  write_palette_png(path, Mask{kFixtureH, kFixtureW, fixture_indices(8)}, fixture_palette(8));
  std::vector<uint8_t> good = file_bytes(path);

  std::string cut = dir.path("cut.png");
  write_bytes(cut, {good.begin(), good.end() - 20});  // IEND and the end of IDAT gone
  EXPECT_ERROR(read_mask(cut), "png: " + cut + ": ");
  EXPECT_ERROR(read_image(cut), "png: " + cut + ": ");

  std::string flipped = dir.path("flipped.png");
  std::vector<uint8_t> bad = good;
  bad[good.size() - 20] ^= 0x55;  // inside IDAT
  write_bytes(flipped, bad);
  EXPECT_ERROR(read_mask(flipped), "png: " + flipped + ": IDAT: ");  // zlib or the CRC

  std::string junk = dir.path("junk.jpg");
  write_bytes(junk, {0xff, 0xd8, 0xff, 0x00, 0x12});
  EXPECT_ERROR(read_image(junk), "jpeg: " + junk + ": ");
  EXPECT_ERROR(read_image(dir.path("missing.png")), dir.path("missing.png"));
  EXPECT_ERROR(read_mask(dir.path("missing.png")), dir.path("missing.png"));
}

// Adam7-interlaced palette PNGs (gen_bad_images.py) give the same indices and palette.
TEST(ImageIo, InterlacedPaletteIndicesExactEveryDepth) {
  for (int depth : {1, 2, 4, 8}) {
    SCOPED_TRACE(depth);
    std::string path = fixture("interlaced_d" + std::to_string(depth) + ".png");
    EXPECT_EQ(read_mask(path).labels, fixture_indices(depth));
    png::Raster r = png::read(path);
    EXPECT_EQ(r.bit_depth, depth);
    EXPECT_EQ(r.palette, fixture_palette(depth));
    Image rgb = read_image(path);
    ASSERT_EQ(rgb.channels, 3);
    EXPECT_EQ(0, std::memcmp(&rgb.bytes[3 * 5],
                             fixture_palette(depth)[fixture_indices(depth)[5]].data(), 3));
  }
}

// tRNS (gen_bad_images.py): a palette's alphas make read_image RGBA (entries past the tRNS list
// opaque) and leave the mask's indices alone; a grey tRNS value makes those pixels transparent.
TEST(ImageIo, TransparencyChunkGivesAlpha) {
  const std::string palette_path = fixture("palette_trns_d4.png");
  const std::vector<uint8_t> indices = fixture_indices(4);
  EXPECT_EQ(read_mask(palette_path).labels, indices);
  Image rgba = read_image(palette_path);
  ASSERT_EQ(rgba.channels, 4);
  for (size_t i = 0; i < indices.size(); ++i) {
    const Rgb colour = fixture_palette(4)[indices[i]];
    const uint8_t alpha = indices[i] < 5 ? uint8_t(40 * indices[i]) : 255;
    ASSERT_EQ(0, std::memcmp(&rgba.bytes[4 * i], colour.data(), 3)) << i;
    ASSERT_EQ(rgba.bytes[4 * i + 3], alpha) << i;
  }
  Image grey = read_image(fixture("grey_trns_d8.png"));
  ASSERT_EQ(grey.channels, 4);
  int transparent = 0;
  for (int64_t y = 0; y < kFixtureH; ++y)
    for (int64_t x = 0; x < kFixtureW; ++x) {
      const uint8_t* p = &grey.bytes[size_t(4 * (y * kFixtureW + x))];
      const uint8_t v = uint8_t((x * 7 + y * 3) % 256);
      ASSERT_EQ(p[0], v);
      ASSERT_EQ(p[1], v);
      ASSERT_EQ(p[2], v);
      ASSERT_EQ(p[3], v == 10 ? 0 : 255);
      transparent += v == 10;
    }
  EXPECT_EQ(transparent, 1);  // x = 1, y = 1
}

}  // namespace
}  // namespace tessel::data
