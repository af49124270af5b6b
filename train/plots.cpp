#include "train/plots.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/strings.h"
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

std::string hex_colour(const data::Rgb& c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
  return buf;
}

namespace {

void check_names(const char* who, const ConfusionCounts& cm,
                 const std::vector<std::string>& names) {
  TESSEL_CHECK(cm.num_classes > 0 && cm.counts.size() == size_t(cm.num_classes * cm.num_classes),
               who, ": counts must hold num_classes^2 = ", cm.num_classes * cm.num_classes,
               " values, got ", cm.counts.size());
  TESSEL_CHECK(names.size() == size_t(cm.num_classes), who, ": ", names.size(), " class names for ",
               cm.num_classes, " classes");
}

}  // namespace

std::string confusion_svg(const ConfusionCounts& cm, const std::vector<std::string>& names) {
  check_names("confusion_svg", cm, names);
  const int64_t n = cm.num_classes;
  const int64_t cell = std::clamp<int64_t>(720 / n, 10, 48);
  size_t longest = 1;
  for (const std::string& name : names) longest = std::max(longest, name.size());
  // 7 pixels a character of a 12-pixel sans-serif font, and room for the axis titles.
  const int64_t label = 7 * int64_t(std::min<size_t>(longest, 40)) + 12;
  const int64_t x0 = label + 24, y0 = label + 24, side = n * cell;
  const int64_t bar_x = x0 + side + 24, width = bar_x + 70, height = y0 + side + 16;
  std::string svg = detail::str_cat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", width, "\" height=\"", height,
      "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" "
      "height=\"100%\" fill=\"white\"/>\n",
      "<text x=\"", x0 + side / 2, "\" y=\"14\" text-anchor=\"middle\">predicted class</text>\n",
      "<text transform=\"translate(14 ", y0 + side / 2,
      ") rotate(-90)\" text-anchor=\"middle\">target class (rows sum to 100%)</text>\n");
  for (int64_t i = 0; i < n; ++i) {
    const std::string name = xml_escaped(names[size_t(i)]);
    const int64_t mid = i * cell + cell / 2 + 4;
    svg += detail::str_cat("<text x=\"", x0 - 6, "\" y=\"", y0 + mid, "\" text-anchor=\"end\">",
                           name, "</text>\n<text transform=\"translate(", x0 + mid, " ", y0 - 6,
                           ") rotate(-90)\">", name, "</text>\n");
  }
  for (int64_t t = 0; t < n; ++t) {
    int64_t row_total = 0;
    for (int64_t p = 0; p < n; ++p) row_total += cm.at(t, p);
    for (int64_t p = 0; p < n; ++p) {
      const int64_t count = cm.at(t, p);
      const double share = row_total > 0 ? double(count) / double(row_total) : 0;
      const std::string fill = row_total > 0 ? hex_colour(heat_colour(share)) : "#bbbbbb";
      const int64_t x = x0 + p * cell, y = y0 + t * cell;
      svg +=
          detail::str_cat("<rect x=\"", x, "\" y=\"", y, "\" width=\"", cell, "\" height=\"", cell,
                          "\" fill=\"", fill, "\"><title>target ", xml_escaped(names[size_t(t)]),
                          ", predicted ", xml_escaped(names[size_t(p)]), ": ", count, " pixels");
      if (row_total > 0) {
        char pct[16];
        std::snprintf(pct, sizeof pct, "%.1f%%", 100 * share);
        svg += detail::str_cat(" (", pct, " of the row)");
      }
      svg += "</title></rect>\n";
      if (cell >= 28 && row_total > 0)
        svg += detail::str_cat("<text x=\"", x + cell / 2, "\" y=\"", y + cell / 2 + 4,
                               "\" text-anchor=\"middle\" font-size=\"10\" fill=\"",
                               share < 0.6 ? "white" : "black", "\">", std::lround(100 * share),
                               "</text>\n");
    }
  }
  // The colour scale: 100% at the top.
  svg += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int k = 0; k <= 4; ++k)
    svg += detail::str_cat("<stop offset=\"", 25 * k, "%\" stop-color=\"",
                           hex_colour(heat_colour(k / 4.0)), "\"/>");
  svg += detail::str_cat("</linearGradient></defs>\n<rect x=\"", bar_x, "\" y=\"", y0,
                         "\" width=\"16\" height=\"", side, "\" fill=\"url(#scale)\"/>\n");
  for (int k = 0; k <= 4; ++k)
    svg += detail::str_cat("<text x=\"", bar_x + 22, "\" y=\"", y0 + side - side * k / 4 + 4, "\">",
                           25 * k, "%</text>\n");
  return svg + "</svg>\n";
}

std::string confusion_csv(const ConfusionCounts& cm, const std::vector<std::string>& names) {
  check_names("confusion_csv", cm, names);
  auto field = [](const std::string& text) {  // RFC 4180 quoting where needed
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  std::string csv = "target \\ predicted";
  for (const std::string& name : names) csv.append(",").append(field(name));
  csv += "\n";
  for (int64_t t = 0; t < cm.num_classes; ++t) {
    csv += field(names[size_t(t)]);
    for (int64_t p = 0; p < cm.num_classes; ++p)
      csv.append(",").append(std::to_string(cm.at(t, p)));
    csv += "\n";
  }
  return csv;
}

ConfusionCounts read_confusion_csv(const std::string& path, int64_t num_classes) {
  std::ifstream in(path);
  TESSEL_CHECK(in, "read_confusion_csv: cannot open ", path);
  ConfusionCounts cm{num_classes, {}};
  std::string line;
  std::getline(in, line);  // the header
  for (int row = 0; std::getline(in, line) && !line.empty(); ++row) {
    // A class name may hold commas (quoted): the counts are the last num_classes fields.
    size_t end = line.size();
    std::vector<int64_t> counts(static_cast<size_t>(num_classes));
    for (int64_t p = num_classes - 1; p >= 0; --p) {
      const size_t comma = line.rfind(',', end - 1);
      TESSEL_CHECK(comma != std::string::npos && end > comma + 1, "read_confusion_csv: ", path,
                   ": row ", row + 1, " has fewer than ", num_classes, " counts");
      const char* first = line.data() + comma + 1;
      auto [ptr, ec] = std::from_chars(first, line.data() + end, counts[size_t(p)]);
      TESSEL_CHECK(ec == std::errc() && ptr == line.data() + end, "read_confusion_csv: ", path,
                   ": row ", row + 1, ": '", line.substr(comma + 1, end - comma - 1),
                   "' is not a count");
      end = comma;
    }
    cm.counts.insert(cm.counts.end(), counts.begin(), counts.end());
  }
  TESSEL_CHECK(cm.counts.size() == size_t(num_classes * num_classes), "read_confusion_csv: ", path,
               ": ", cm.counts.size() / size_t(num_classes), " rows for ", num_classes, " classes");
  return cm;
}

data::Image upscale_nearest(const data::Image& image, int64_t min_side) {
  const int64_t shorter = std::min(image.height, image.width);
  TESSEL_CHECK(shorter > 0, "upscale_nearest: empty image");
  const int64_t f = (min_side + shorter - 1) / shorter;
  if (f <= 1) return image;
  const size_t px = size_t(image.channels * (image.bits / 8));
  data::Image out{image.height * f, image.width * f, image.channels, image.bits, {}};
  out.bytes.resize(size_t(out.pixels()) * px);
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x)
      std::memcpy(&out.bytes[size_t(y * out.width + x) * px],
                  &image.bytes[size_t((y / f) * image.width + x / f) * px], px);
  return out;
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
