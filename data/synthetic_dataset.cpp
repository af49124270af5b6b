#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"
#include "data/datasets.h"
#include "data/image_io.h"
#include "data/rng.h"

namespace tessel::data {
namespace {

enum Kind { kBackground, kRectangle, kDisc, kTriangle, kRing, kStripes, kNumKinds };

// Shape colours scatter +-kSpread around these: wide enough that every class shares colours with
// its neighbours and with the backgrounds, which take any colour.
constexpr Rgb kBaseColour[kNumKinds] = {{0, 0, 0},     {200, 60, 60},  {60, 180, 70},
                                        {70, 90, 210}, {210, 190, 60}, {160, 70, 200}};
constexpr double kSpread = 80;

struct Shape {
  int kind;
  double cy, cx, size, angle;
  double inner;   // ring: inner radius / outer; rectangle: height / width
  double period;  // stripes, in pixels
  double colour[3];
};

// Whether (y, x) is covered by the shape, in the shape's rotated frame (u along, v across).
bool covers(const Shape& s, double y, double x) {
  double dy = y - s.cy, dx = x - s.cx;
  double u = dx * std::cos(s.angle) + dy * std::sin(s.angle);
  double v = -dx * std::sin(s.angle) + dy * std::cos(s.angle);
  double r = std::hypot(u, v);
  switch (s.kind) {
    case kRectangle:
      return std::abs(u) <= s.size && std::abs(v) <= s.size * s.inner;
    case kDisc:
      return r <= s.size;
    case kRing:
      return r <= s.size && r >= s.size * s.inner;
    case kTriangle: {  // equilateral: inside all three edges at distance size / 2 from the centre
      for (int k = 0; k < 3; ++k) {
        double a = s.angle + k * 2 * std::numbers::pi / 3;
        if (dx * std::cos(a) + dy * std::sin(a) > s.size / 2) return false;
      }
      return true;
    }
    case kStripes:
      return std::abs(u) <= s.size && std::abs(v) <= s.size &&
             std::fmod(u + s.size, s.period) < s.period / 2;
  }
  return false;
}

ClassInfo synthetic_classes() {
  ClassInfo info;
  info.names = {"background", "rectangle", "disc", "triangle", "ring", "stripes"};
  info.colours = voc_palette(kNumKinds);
  return info;
}

}  // namespace

SyntheticDataset::SyntheticDataset(SyntheticOptions options)
    : options_(options), classes_(synthetic_classes()) {
  TESSEL_CHECK(options.height > 0 && options.width > 0, "SyntheticDataset: size ", options.height,
               "x", options.width);
  TESSEL_CHECK(options.max_shapes >= 1, "SyntheticDataset: max_shapes ", options.max_shapes);
}

Sample SyntheticDataset::get(size_t i) const {
  TESSEL_CHECK(i < options_.count, "SyntheticDataset: sample ", i, " of ", options_.count);
  const int64_t h = options_.height, w = options_.width;
  Rng rng(options_.seed, 0, i);
  const double pi = std::numbers::pi;

  // Background: a gradient between two random colours, a wave of random direction and frequency,
  // and per-pixel noise (drawn below, in pixel order).
  double from[3], to[3];
  for (double& c : from) c = rng.uniform({0, 255});
  for (double& c : to) c = rng.uniform({0, 255});
  double grad_angle = rng.uniform({0, 2 * pi}), wave_angle = rng.uniform({0, 2 * pi});
  double wave_freq = rng.uniform({0.1, 0.8}), wave_amp = rng.uniform({0, 40});
  double noise = rng.uniform({4, 24});

  std::vector<Shape> shapes(static_cast<size_t>(rng.randint(1, options_.max_shapes + 1)));
  double extent = double(std::min(h, w));
  for (Shape& s : shapes) {
    s.kind = int(rng.randint(kRectangle, kNumKinds));
    s.cy = rng.uniform({0, double(h)});
    s.cx = rng.uniform({0, double(w)});
    s.size = extent * rng.uniform({0.1, 0.3});
    s.angle = rng.uniform({0, pi});
    s.inner = rng.uniform({0.45, 0.75});
    s.period = s.size * rng.uniform({0.3, 0.6});
    for (int c = 0; c < 3; ++c)
      s.colour[c] = kBaseColour[s.kind][size_t(c)] + rng.uniform({-kSpread, kSpread});
  }

  Sample out;
  out.image = Image{h, w, 3, 8, std::vector<uint8_t>(static_cast<size_t>(h * w * 3))};
  out.mask = Mask{h, w, std::vector<uint8_t>(static_cast<size_t>(h * w), kBackground)};
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      double t = std::clamp(
          0.5 + (x * std::cos(grad_angle) + y * std::sin(grad_angle)) / double(h + w), 0.0, 1.0);
      double wave =
          wave_amp * std::sin(wave_freq * (x * std::cos(wave_angle) + y * std::sin(wave_angle)));
      double colour[3];
      for (int c = 0; c < 3; ++c) colour[c] = from[c] + (to[c] - from[c]) * t + wave;
      for (const Shape& s : shapes)  // later shapes occlude earlier ones
        if (covers(s, double(y) + 0.5, double(x) + 0.5)) {
          std::copy(s.colour, s.colour + 3, colour);
          out.mask.labels[size_t(y * w + x)] = uint8_t(s.kind);
        }
      uint8_t* px = &out.image.bytes[size_t((y * w + x) * 3)];
      for (int c = 0; c < 3; ++c)
        px[c] = uint8_t(std::clamp(colour[c] + rng.uniform({-noise, noise}), 0.0, 255.0));
    }
  return out;
}

}  // namespace tessel::data
