#include "data/photometric.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "data/pixels.h"

namespace tessel::data {
namespace {

void check_rgb8(const Image& img, const char* op) {
  TESSEL_CHECK(img.bits == 8 && img.channels == 3, op, ": needs an 8-bit RGB image, got ",
               img.channels, " channels of ", img.bits, " bits");
}

uint8_t convert_one(uint8_t x, float alpha, float beta) {
  // In float32 as numpy does, then truncated as astype(np.uint8) does.
  return uint8_t(std::clamp(float(x) * alpha + beta, 0.0f, 255.0f));
}

// OpenCV's fixed-point division tables (hsv_shift = 12) for the 8-bit RGB -> HSV conversion.
constexpr int kHsvShift = 12;
struct HsvTables {
  std::array<int, 256> sdiv{}, hdiv{};
  HsvTables() {
    for (int i = 1; i < 256; ++i) {
      sdiv[size_t(i)] = int(std::lround((255 << kHsvShift) / double(i)));
      hdiv[size_t(i)] = int(std::lround((180 << kHsvShift) / (6.0 * i)));
    }
  }
};

}  // namespace

void convert(Image& img, double alpha, double beta) {
  TESSEL_CHECK(img.bits == 8, "convert: needs an 8-bit image, got ", img.bits, " bits");
  for (uint8_t& x : img.bytes) x = convert_one(x, float(alpha), float(beta));
}

void rgb_to_hsv(Image& img) {
  check_rgb8(img, "rgb_to_hsv");
  static const HsvTables t;
  constexpr int half = 1 << (kHsvShift - 1);
  for (size_t i = 0; i < img.bytes.size(); i += 3) {
    int r = img.bytes[i], g = img.bytes[i + 1], b = img.bytes[i + 2];
    int v = std::max({r, g, b}), diff = v - std::min({r, g, b});
    int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;
    int s = (diff * t.sdiv[size_t(v)] + half) >> kHsvShift;
    int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
    h = (h * t.hdiv[size_t(diff)] + half) >> kHsvShift;
    h += h < 0 ? 180 : 0;
    img.bytes[i] = uint8_t(h), img.bytes[i + 1] = uint8_t(s), img.bytes[i + 2] = uint8_t(v);
  }
}

void hsv_to_rgb(Image& img) {
  check_rgb8(img, "hsv_to_rgb");
  // OpenCV's float path: which of (v, min, falling, rising) each channel takes, per 60° sector.
  static constexpr int sector_data[6][3] = {{1, 3, 0}, {1, 0, 2}, {3, 0, 1},
                                            {0, 2, 1}, {0, 1, 3}, {2, 1, 0}};
  for (size_t i = 0; i < img.bytes.size(); i += 3) {
    float h = img.bytes[i], s = img.bytes[i + 1] * (1.f / 255.f);
    float v = img.bytes[i + 2] * (1.f / 255.f);
    float r = v, g = v, b = v;
    if (s != 0) {
      h = std::fmod(h * (6.f / 180.f), 6.f);
      int sector = int(std::floor(h));
      h -= float(sector);
      if (unsigned(sector) >= 6u) sector = 0, h = 0;
      float tab[4] = {v, v * (1.f - s), v * (1.f - s * h), v * (1.f - s * (1.f - h))};
      b = tab[sector_data[sector][0]], g = tab[sector_data[sector][1]];
      r = tab[sector_data[sector][2]];
    }
    img.bytes[i] = saturate<uint8_t>(r * 255.f), img.bytes[i + 1] = saturate<uint8_t>(g * 255.f);
    img.bytes[i + 2] = saturate<uint8_t>(b * 255.f);
  }
}

void scale_saturation(Image& img, double alpha) {
  rgb_to_hsv(img);
  for (size_t i = 1; i < img.bytes.size(); i += 3)
    img.bytes[i] = convert_one(img.bytes[i], float(alpha), 0.f);
  hsv_to_rgb(img);
}

void shift_hue(Image& img, int64_t delta) {
  rgb_to_hsv(img);
  for (size_t i = 0; i < img.bytes.size(); i += 3)
    img.bytes[i] = uint8_t(((img.bytes[i] + delta) % 180 + 180) % 180);
  hsv_to_rgb(img);
}

void photometric_distortion(Image& img, Rng& rng, const PhotometricOptions& o) {
  check_rgb8(img, "photometric");
  auto contrast = [&] {
    if (rng.randint(0, 2)) convert(img, rng.uniform(o.contrast), 0);
  };
  if (rng.randint(0, 2)) convert(img, 1, rng.uniform({-o.brightness_delta, o.brightness_delta}));
  int64_t mode = rng.randint(0, 2);
  if (mode == 1) contrast();
  if (rng.randint(0, 2)) scale_saturation(img, rng.uniform(o.saturation));
  if (rng.randint(0, 2)) shift_hue(img, rng.randint(-o.hue_delta, o.hue_delta));
  if (mode == 0) contrast();
}

void gaussian_blur(Image& img, int64_t kernel, double sigma) {
  TESSEL_CHECK(kernel > 0 && kernel % 2 == 1 && sigma > 0, "gaussian_blur: kernel ", kernel,
               " must be odd and positive and sigma ", sigma, " positive");
  int64_t r = kernel / 2, h = img.height, w = img.width, c = img.channels;
  std::vector<double> k(static_cast<size_t>(kernel));
  double total = 0;
  for (int64_t i = 0; i < kernel; ++i)
    total += k[size_t(i)] = std::exp(-double((i - r) * (i - r)) / (2 * sigma * sigma));
  for (double& x : k) x /= total;
  // OpenCV's default border: mirror without repeating the edge pixel (dcb|abcd|cba). Entry
  // i + r of a table is where tap i reads.
  auto reflect_table = [r](int64_t n) {
    std::vector<int64_t> t;
    for (int64_t i = -r; i < n + r; ++i) {
      int64_t j = i;
      while (n > 1 && (j < 0 || j >= n)) j = j < 0 ? -j : 2 * (n - 1) - j;
      t.push_back(n == 1 ? 0 : j);
    }
    return t;
  };
  std::vector<int64_t> xt = reflect_table(w), yt = reflect_table(h);
  std::vector<double> rows(static_cast<size_t>(h * w * c));
  with_samples(img, [&](auto* px) {
    using T = std::remove_pointer_t<decltype(px)>;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch) {
          double v = 0;
          for (int64_t i = -r; i <= r; ++i)
            v += k[size_t(i + r)] * double(px[(y * w + xt[size_t(x + i + r)]) * c + ch]);
          rows[size_t((y * w + x) * c + ch)] = v;
        }
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch) {
          double v = 0;
          for (int64_t i = -r; i <= r; ++i)
            v += k[size_t(i + r)] * rows[size_t((yt[size_t(y + i + r)] * w + x) * c + ch)];
          px[(y * w + x) * c + ch] = saturate<T>(v);
        }
  });
}

}  // namespace tessel::data
