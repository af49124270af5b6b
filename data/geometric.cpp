#include "data/geometric.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

#include "data/pixels.h"

namespace tessel::data {
namespace {

// Interleaved pixels of any size: flips, crops and padding only move whole pixels, so one body
// serves images of every depth and masks.
struct Plane {
  uint8_t* data;
  int64_t height, width, bytes;  // bytes per pixel
  uint8_t* at(int64_t y, int64_t x) const { return data + (y * width + x) * bytes; }
};
Plane plane(Image& img) {
  return {img.bytes.data(), img.height, img.width, pixel_bytes(img)};
}
Plane plane(Mask& m) {
  return {m.labels.data(), m.height, m.width, 1};
}

std::vector<uint8_t> fill_pixel(const Image& img, double fill) {
  std::vector<uint8_t> px(size_t(pixel_bytes(img)));
  Image one{1, 1, img.channels, img.bits, px};
  with_samples(one, [&](auto* p) {
    using T = std::remove_pointer_t<decltype(p)>;
    std::fill(p, p + img.channels, saturate<T>(fill));
  });
  return one.bytes;
}

void hflip_plane(Plane p) {
  for (int64_t y = 0; y < p.height; ++y)
    for (int64_t x = 0; x < p.width / 2; ++x)
      std::swap_ranges(p.at(y, x), p.at(y, x) + p.bytes, p.at(y, p.width - 1 - x));
}

void vflip_plane(Plane p) {
  size_t row = size_t(p.width * p.bytes);
  for (int64_t y = 0; y < p.height / 2; ++y)
    std::swap_ranges(p.at(y, 0), p.at(y, 0) + row, p.at(p.height - 1 - y, 0));
}

// The (height, width) window at (top, left) of `p`, where parts outside `p` are `fill`.
std::vector<uint8_t> window(Plane p, int64_t top, int64_t left, int64_t height, int64_t width,
                            const uint8_t* fill) {
  std::vector<uint8_t> out(size_t(height * width * p.bytes));
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      int64_t sy = top + y, sx = left + x;
      bool inside = sy >= 0 && sy < p.height && sx >= 0 && sx < p.width;
      std::memcpy(&out[size_t((y * width + x) * p.bytes)], inside ? p.at(sy, sx) : fill,
                  size_t(p.bytes));
    }
  return out;
}

// Where each destination pixel samples the source: (sx, sy) = (a x + b y + c, d x + e y + f).
struct Affine {
  double a, b, c, d, e, f;
};

// Bilinear. Without `fill` coordinates clamp to the edge (resize); with it, each neighbour
// outside the source counts as `fill` (OpenCV's BORDER_CONSTANT).
template <typename T>
void warp_bilinear(const T* src, int64_t h, int64_t w, int64_t c, T* dst, int64_t oh, int64_t ow,
                   const Affine& m, const double* fill) {
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x) {
      double sx = m.a * double(x) + m.b * double(y) + m.c;
      double sy = m.d * double(x) + m.e * double(y) + m.f;
      if (!fill) sx = std::clamp(sx, 0.0, double(w - 1)), sy = std::clamp(sy, 0.0, double(h - 1));
      double x0f = std::floor(sx), y0f = std::floor(sy), fx = sx - x0f, fy = sy - y0f;
      int64_t x0 = int64_t(x0f), y0 = int64_t(y0f);
      int64_t xs[2] = {x0, fill ? x0 + 1 : std::min(x0 + 1, w - 1)};
      int64_t ys[2] = {y0, fill ? y0 + 1 : std::min(y0 + 1, h - 1)};
      double wx[2] = {1 - fx, fx}, wy[2] = {1 - fy, fy};
      // The four neighbours once per pixel, not per channel; nullptr stands for `fill`.
      const T* at[4];
      double weight[4];
      for (int k = 0; k < 4; ++k) {
        int64_t sy_k = ys[k / 2], sx_k = xs[k % 2];
        bool inside = sy_k >= 0 && sy_k < h && sx_k >= 0 && sx_k < w;
        at[k] = inside ? src + (sy_k * w + sx_k) * c : nullptr;
        weight[k] = wy[k / 2] * wx[k % 2];
      }
      T* out = dst + (y * ow + x) * c;
      for (int64_t ch = 0; ch < c; ++ch) {
        double v = 0;
        for (int k = 0; k < 4; ++k) v += weight[k] * (at[k] ? double(at[k][ch]) : *fill);
        out[ch] = saturate<T>(v);
      }
    }
}

// Nearest: the source pixel whose centre is closest to the sample point; outside, `fill`
// (nullptr: clamp to the edge).
std::vector<uint8_t> warp_nearest(Plane p, int64_t oh, int64_t ow, const Affine& m,
                                  const uint8_t* fill) {
  std::vector<uint8_t> out(size_t(oh * ow * p.bytes));
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x) {
      auto sx = int64_t(std::floor(m.a * double(x) + m.b * double(y) + m.c + 0.5));
      auto sy = int64_t(std::floor(m.d * double(x) + m.e * double(y) + m.f + 0.5));
      if (!fill)
        sx = std::clamp<int64_t>(sx, 0, p.width - 1), sy = std::clamp<int64_t>(sy, 0, p.height - 1);
      bool inside = sx >= 0 && sx < p.width && sy >= 0 && sy < p.height;
      std::memcpy(&out[size_t((y * ow + x) * p.bytes)], inside ? p.at(sy, sx) : fill,
                  size_t(p.bytes));
    }
  return out;
}

void warp(Sample& s, int64_t oh, int64_t ow, const Affine& m, const double* fill,
          const uint8_t* ignore) {
  Image out{oh, ow, s.image.channels, s.image.bits, {}};
  out.bytes.resize(size_t(oh * ow * pixel_bytes(out)));
  with_samples(s.image, [&](const auto* src) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(src)>>;
    warp_bilinear(src, s.image.height, s.image.width, s.image.channels,
                  reinterpret_cast<T*>(out.bytes.data()), oh, ow, m, fill);
  });
  s.image = std::move(out);
  s.mask.labels = warp_nearest(plane(s.mask), oh, ow, m, ignore);
  s.mask.height = oh, s.mask.width = ow;
}

void check_same_size(const Sample& s, const char* op) {
  TESSEL_CHECK(s.image.height == s.mask.height && s.image.width == s.mask.width, op, ": image ",
               s.image_path, " is ", s.image.height, "x", s.image.width, " but its mask ",
               s.mask_path, " is ", s.mask.height, "x", s.mask.width);
}

}  // namespace

void resize(Sample& s, int64_t height, int64_t width) {
  check_same_size(s, "resize");
  TESSEL_CHECK(height > 0 && width > 0, "resize: target size ", height, "x", width,
               " must be positive (", s.image_path, ")");
  double ax = double(s.image.width) / double(width), ay = double(s.image.height) / double(height);
  warp(s, height, width, {ax, 0, 0.5 * ax - 0.5, 0, ay, 0.5 * ay - 0.5}, nullptr, nullptr);
}

void pad_to(Sample& s, int64_t height, int64_t width, double fill, uint8_t ignore) {
  check_same_size(s, "pad");
  int64_t h = std::max(height, s.image.height), w = std::max(width, s.image.width);
  if (h == s.image.height && w == s.image.width) return;
  std::vector<uint8_t> px = fill_pixel(s.image, fill);
  s.image.bytes = window(plane(s.image), 0, 0, h, w, px.data());
  s.mask.labels = window(plane(s.mask), 0, 0, h, w, &ignore);
  s.image.height = s.mask.height = h;
  s.image.width = s.mask.width = w;
}

void crop(Sample& s, int64_t top, int64_t left, int64_t height, int64_t width) {
  check_same_size(s, "crop");
  TESSEL_CHECK(top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= s.image.height &&
                   left + width <= s.image.width,
               "crop: window ", height, "x", width, " at (", top, ", ", left,
               ") is not inside the ", s.image.height, "x", s.image.width, " image ", s.image_path);
  s.image.bytes = window(plane(s.image), top, left, height, width, nullptr);
  s.mask.labels = window(plane(s.mask), top, left, height, width, nullptr);
  s.image.height = s.mask.height = height;
  s.image.width = s.mask.width = width;
}

void hflip(Sample& s) {
  check_same_size(s, "hflip");
  hflip_plane(plane(s.image));
  hflip_plane(plane(s.mask));
}

void vflip(Sample& s) {
  check_same_size(s, "vflip");
  vflip_plane(plane(s.image));
  vflip_plane(plane(s.mask));
}

void rotate(Sample& s, double degrees, double fill, uint8_t ignore) {
  check_same_size(s, "rotate");
  double t = degrees * std::numbers::pi / 180, co = std::cos(t), si = std::sin(t);
  double cx = 0.5 * double(s.image.width - 1), cy = 0.5 * double(s.image.height - 1);
  // Inverse of the clockwise rotation (y points down): where each output pixel comes from.
  Affine m{co, si, cx - co * cx - si * cy, -si, co, cy + si * cx - co * cy};
  warp(s, s.image.height, s.image.width, m, &fill, &ignore);
}

}  // namespace tessel::data
