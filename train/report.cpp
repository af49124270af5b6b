#include "train/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "core/error.h"
#include "core/strings.h"
#include "train/plots.h"

namespace tessel::train {
namespace {

using Series = std::vector<std::pair<int64_t, double>>;

std::string base64(const std::string& bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= uint8_t(bytes[i + 2]);
    out += kDigits[v >> 18 & 63];
    out += kDigits[v >> 12 & 63];
    out += i + 1 < bytes.size() ? kDigits[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[v & 63] : '=';
  }
  return out;
}

std::string number(double v, const char* format = "%.4g") {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string percent(const std::optional<double>& v) {
  return v ? number(100 * *v, "%.2f") : "&ndash;";
}

// A line chart of the named series over iterations, with the first and last iteration and the
// value range on the axes; a colour per series, named in the legend.
std::string chart(const std::string& title,
                  const std::vector<std::pair<std::string, Series>>& lines) {
  constexpr int W = 480, H = 230, L = 58, R = 12, T = 28, B = 34;
  static const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
  int64_t x_min = INT64_MAX, x_max = INT64_MIN;
  double y_min = INFINITY, y_max = -INFINITY;
  for (const auto& [name, points] : lines)
    for (const auto& [x, y] : points)
      if (std::isfinite(y)) {
        x_min = std::min(x_min, x), x_max = std::max(x_max, x);
        y_min = std::min(y_min, y), y_max = std::max(y_max, y);
      }
  std::string svg = detail::str_cat("<svg class=\"chart\" width=\"", W, "\" height=\"", H,
                                    "\" viewBox=\"0 0 ", W, " ", H, "\"><text x=\"", L,
                                    "\" y=\"16\" "
                                    "font-weight=\"bold\">",
                                    xml_escaped(title), "</text>");
  if (x_min > x_max) return svg + "<text x=\"60\" y=\"120\">no values yet</text></svg>";
  if (x_max == x_min) ++x_max;
  if (y_max == y_min) y_max = y_min + 1;
  auto px = [&](int64_t x) { return L + double(x - x_min) / double(x_max - x_min) * (W - L - R); };
  auto py = [&](double y) { return T + (y_max - y) / (y_max - y_min) * (H - T - B); };
  svg += detail::str_cat("<rect x=\"", L, "\" y=\"", T, "\" width=\"", W - L - R, "\" height=\"",
                         H - T - B, "\" fill=\"none\" stroke=\"#999\"/>");
  svg += detail::str_cat("<text x=\"", L - 4, "\" y=\"", T + 4, "\" text-anchor=\"end\">",
                         number(y_max), "</text><text x=\"", L - 4, "\" y=\"", H - B,
                         "\" text-anchor=\"end\">", number(y_min), "</text>");
  svg += detail::str_cat("<text x=\"", L, "\" y=\"", H - B + 16, "\">", x_min, "</text><text x=\"",
                         W - R, "\" y=\"", H - B + 16, "\" text-anchor=\"end\">", x_max,
                         "</text><text x=\"", (L + W - R) / 2, "\" y=\"", H - 4,
                         "\" text-anchor=\"middle\">iteration</text>");
  int legend_x = L + 7 * int(title.size()) + 24;  // after the title
  for (size_t i = 0; i < lines.size(); ++i) {
    const char* colour = kColours[i % std::size(kColours)];
    std::string points;
    for (const auto& [x, y] : lines[i].second)
      if (std::isfinite(y)) points += number(px(x), "%.1f") + "," + number(py(y), "%.1f") + " ";
    svg += detail::str_cat("<polyline fill=\"none\" stroke=\"", colour,
                           "\" stroke-width=\"1.5\" points=\"", points, "\"/>");
    // "val/mIoU" reads "mIoU": the chart's title says which part of the run it is.
    const std::string& name = lines[i].first;
    const std::string label = name.substr(name.find('/') + 1);
    svg += detail::str_cat("<rect x=\"", legend_x, "\" y=\"8\" width=\"10\" height=\"10\" fill=\"",
                           colour, "\"/><text x=\"", legend_x + 14, "\" y=\"17\">",
                           xml_escaped(label), "</text>");
    legend_x += 24 + 7 * int(label.size());
  }
  return svg + "</svg>";
}

std::string swatch(const data::Rgb& c) {
  return "<span class=\"swatch\" style=\"background:" + hex_colour(c) + "\"></span>";
}

}  // namespace

std::vector<std::pair<std::string, Series>> read_metrics_csv(const std::string& path) {
  std::vector<std::pair<std::string, Series>> out;
  std::ifstream in(path);
  if (!in) return out;
  std::map<std::string, size_t> index;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (number == 1 || line.empty()) continue;  // the header
    // iteration,name,value: a name may hold commas (class names), so split at the first and last.
    const size_t first = line.find(','), last = line.rfind(',');
    TESSEL_CHECK(first != std::string::npos && last > first, path, ": line ", number, " ('", line,
                 "') is not iteration,name,value");
    char* end = nullptr;
    const long long iteration = std::strtoll(line.c_str(), &end, 10);
    const double value = std::strtod(line.c_str() + last + 1, nullptr);
    TESSEL_CHECK(end == line.c_str() + first, path, ": line ", number, " ('", line,
                 "') does not start with an iteration");
    const std::string name = line.substr(first + 1, last - first - 1);
    auto [it, added] = index.emplace(name, out.size());
    if (added) out.emplace_back(name, Series{});
    out[it->second].second.emplace_back(int64_t(iteration), value);
  }
  return out;
}

std::string report_html(const ReportPage& page) {
  const auto curves = read_metrics_csv(page.metrics_csv);
  auto pick = [&](std::initializer_list<const char*> names) {
    std::vector<std::pair<std::string, Series>> lines;
    for (const char* name : names)
      for (const auto& [n, points] : curves)
        if (n == name) lines.emplace_back(n, points);
    return lines;
  };
  const SegmentationMetrics& m = page.metrics;
  std::string html = detail::str_cat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
      xml_escaped(page.title),
      "</title><style>body{font:14px sans-serif;margin:24px;color:#222}h2{margin-top:28px}"
      "table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;border-bottom:1px "
      "solid #ddd}td:first-child,th:first-child{text-align:left}.chart{margin:0 16px 16px 0;"
      "font:11px sans-serif}.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;"
      "vertical-align:middle;border:1px solid #888}img{image-rendering:pixelated;margin:4px 0;"
      "max-width:100%}pre{background:#f6f6f6;padding:12px;overflow:auto}</style></"
      "head><body>\n<h1>",
      xml_escaped(page.title), "</h1>\n<p>", xml_escaped(page.status), "</p>\n<h2>Curves</h2>\n",
      chart("training loss", pick({"train/loss"})), chart("learning rate", pick({"train/lr"})),
      chart("validation (fractions)", pick({"val/mIoU", "val/mDice", "val/mAcc", "val/aAcc"})),
      "\n<h2>Best evaluation, at iteration ", page.eval_iteration,
      "</h2>\n<table><tr><th>class</th>"
      "<th>IoU %</th><th>Dice %</th><th>recall %</th><th>precision %</th></tr>\n");
  for (size_t c = 0; c < page.class_names.size(); ++c) {
    auto at = [&](const ClassValues& v) { return c < v.size() ? v[c] : std::nullopt; };
    html += "<tr><td>" +
            (c < page.class_colours.size() ? swatch(page.class_colours[c]) : std::string()) +
            xml_escaped(page.class_names[c]) + "</td><td>" + percent(at(m.iou)) + "</td><td>" +
            percent(at(m.dice)) + "</td><td>" + percent(at(m.recall)) + "</td><td>" +
            percent(at(m.precision)) + "</td></tr>\n";
  }
  html += "<tr><th>mean</th><th>" + percent(m.mean_iou.value) + "</th><th>" +
          percent(m.mean_dice.value) + "</th><th>" + percent(m.mean_accuracy.value) +
          "</th><th></th></tr></table>\n<p>pixel accuracy " + percent(m.pixel_accuracy) +
          "%</p>\n<h2>Confusion matrix</h2>\n";
  if (!page.counts.counts.empty()) html += confusion_svg(page.counts, page.class_names);
  html += "<h2>Predictions</h2>\n<p>Left: the target, right: the prediction, over the image.";
  for (size_t c = 0; c < page.class_names.size() && c < page.class_colours.size(); ++c)
    html.append(" ").append(swatch(page.class_colours[c])).append(xml_escaped(page.class_names[c]));
  html += "</p>\n";
  for (const std::string& png : page.overlay_pngs)
    html += "<div><img alt=\"target and prediction\" src=\"data:image/png;base64," + base64(png) +
            "\"></div>\n";
  html += "<h2>Best checkpoints by " + xml_escaped(page.metric) +
          "</h2>\n<table><tr><th>iteration</th><th>" + xml_escaped(page.metric) + " %</th></tr>\n";
  for (const auto& [iteration, score] : page.best)
    html += detail::str_cat("<tr><td>", iteration, "</td><td>", percent(score), "</td></tr>\n");
  return html + "</table>\n<h2>Recipe</h2>\n<pre>" + xml_escaped(page.recipe_yaml) +
         "</pre>\n</body></html>\n";
}

}  // namespace tessel::train
