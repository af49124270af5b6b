#include "train/plots.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"
#include "data/image_io.h"

namespace tessel::train {

data::Rgb heat_colour(double t) {
  static constexpr std::array<data::Rgb, 5> stops{
      {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
  const double x = std::clamp(t, 0.0, 1.0) * double(stops.size() - 1);
  const auto i = std::min(size_t(x), stops.size() - 2);
  const double f = x - double(i);
  data::Rgb c{};
  for (size_t k = 0; k < 3; ++k)
    c[k] = uint8_t(std::lround((1 - f) * stops[i][k] + f * stops[i + 1][k]));
  return c;
}

data::Image confusion_image(const ConfusionCounts& cm, int64_t cell) {
  const int64_t n = cm.num_classes;
  TESSEL_CHECK(n > 0 && cm.counts.size() == size_t(n * n),
               "confusion_image: counts must hold num_classes^2 = ", n * n, " values, got ",
               cm.counts.size());
  if (cell <= 0) cell = std::max<int64_t>(1, 800 / n);
  data::Image img{n * cell, n * cell, 3, 8, {}};
  img.bytes.resize(size_t(img.pixels() * 3));
  for (int64_t t = 0; t < n; ++t) {
    int64_t row_total = 0;
    for (int64_t p = 0; p < n; ++p) row_total += cm.at(t, p);
    for (int64_t p = 0; p < n; ++p) {
      const data::Rgb c = row_total > 0 ? heat_colour(double(cm.at(t, p)) / double(row_total))
                                        : data::Rgb{128, 128, 128};
      for (int64_t y = t * cell; y < (t + 1) * cell; ++y)
        for (int64_t x = p * cell; x < (p + 1) * cell; ++x)
          std::copy(c.begin(), c.end(), img.bytes.begin() + (y * img.width + x) * 3);
    }
  }
  return img;
}

void write_confusion_png(const std::string& path, const ConfusionCounts& cm, int64_t cell) {
  data::write_png(path, confusion_image(cm, cell));
}

data::Image overlay(const data::Image& image, const data::Mask& labels,
                    const std::vector<data::Rgb>& palette, double alpha) {
  TESSEL_CHECK(image.bits == 8, "overlay: the image must be 8-bit, got ", image.bits, " bits");
  TESSEL_CHECK(image.height == labels.height && image.width == labels.width, "overlay: image ",
               image.height, "x", image.width, " and mask ", labels.height, "x", labels.width,
               " differ in size");
  TESSEL_CHECK(alpha >= 0 && alpha <= 1, "overlay: alpha ", alpha, " must lie in [0, 1]");
  data::Image out{image.height, image.width, 3, 8, {}};
  out.bytes.resize(size_t(image.pixels() * 3));
  for (int64_t i = 0; i < image.pixels(); ++i) {
    const uint8_t* src = &image.bytes[size_t(i * image.channels)];
    const uint8_t label = labels.labels[size_t(i)];
    for (int64_t k = 0; k < 3; ++k) {
      const double v = src[image.channels >= 3 ? k : 0];
      out.bytes[size_t(i * 3 + k)] =
          label < palette.size() ? uint8_t(std::lround((1 - alpha) * v + alpha * palette[label][k]))
                                 : uint8_t(v);
    }
  }
  return out;
}

data::Image side_by_side(const data::Image& left, const data::Image& right, int64_t gap) {
  TESSEL_CHECK(left.bits == 8 && right.bits == 8 && left.channels == 3 && right.channels == 3,
               "side_by_side: both images must be 8-bit RGB");
  TESSEL_CHECK(gap >= 0, "side_by_side: gap ", gap, " must be >= 0");
  const int64_t h = std::max(left.height, right.height), w = left.width + gap + right.width;
  data::Image out{h, w, 3, 8, std::vector<uint8_t>(size_t(h * w * 3), 255)};
  for (auto [img, x0] : {std::pair{&left, int64_t(0)}, {&right, left.width + gap}})
    for (int64_t y = 0; y < img->height; ++y)
      std::copy_n(&img->bytes[size_t(y * img->width * 3)], img->width * 3,
                  &out.bytes[size_t((y * w + x0) * 3)]);
  return out;
}

}  // namespace tessel::train
