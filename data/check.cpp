#include "data/check.h"

#include <algorithm>
#include <bitset>
#include <filesystem>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "data/image_io.h"
#include "data/jpeg.h"
#include "data/png.h"

namespace tessel::data {
namespace {

enum Kind { Unreadable, ColourMask, JpegMask, SizeMismatch, Binary255, OutOfRange, kKinds };

struct Rule {
  const char* problem;  // completed with "N of M samples: "
  const char* advice;
};

const Rule kRules[kKinds] = {
    {"could not be read",
     "Fix or remove these files; the errors below say which file and what is wrong."},
    {"have colour (RGB) masks that could not be decoded",
     "If class indices were meant, save each mask as a single-channel PNG (grey or palette) whose "
     "values are the class indices. If colours were meant, each must be one of the class colours "
     "(the error names the first that is not), and the format must know them (folder "
     "classes.txt with r g b, datumaro segmentation_colors, mapillary config.json)."},
    {"have JPEG masks: lossy compression blurs label edges into values that are no class",
     "Export the masks again as PNG from the original annotations; re-saving these JPEGs as PNG "
     "keeps the damage."},
    {"have an image and a mask of different sizes",
     "Pair each image with its own mask; if the masks were resized, resize them from the "
     "originals with nearest-neighbour interpolation."},
    {"have masks holding only 0 and 255: binary masks where 1 was meant for the foreground. 255 "
     "is the ignore index, so the foreground is never learnt",
     "Divide these masks by 255 so the foreground is class 1 (the supervisely format does this "
     "when reading)."},
    {"have label values that are neither a class nor the ignore index",
     "Map raw ids to class indices (e.g. Cityscapes labelIds to trainIds, or use the coco-stuff "
     "format for COCO-Stuff maps), or declare the missing classes."},
};

struct Tally {
  std::vector<std::string> examples;
  int64_t count = 0;
};

using jpeg::is_jpeg;

// The existing files an error message names (Dataset::get's errors name the file at fault), so a
// sample that cannot be read can still be told apart by what its file is.
std::vector<std::string> files_named_in(const std::string& message) {
  std::vector<std::string> files;
  std::istringstream words(message);
  for (std::string w; words >> w;) {
    size_t begin = w.find_first_not_of("'\"`(["), end = w.find_last_not_of("'\"`)],:;.");
    if (begin == std::string::npos || end < begin) continue;
    std::string path = w.substr(begin, end - begin + 1);
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) files.push_back(path);
  }
  return files;
}

// A mask whose only values are 0 and 255, with 255 not a class.
bool binary_0_255(const LabelHistogram& h, int64_t num_classes) {
  int64_t zero_and_255 = h[0] + h[255], all = 0;
  for (int64_t n : h) all += n;
  return num_classes <= 255 && h[255] > 0 && zero_and_255 == all;
}

// What is wrong with a mask's labels, if anything; values beyond the classes are added to
// `stray`.
std::optional<Kind> label_problem(const LabelHistogram& h, int64_t num_classes, int64_t ignore,
                                  std::bitset<256>& stray) {
  if (binary_0_255(h, num_classes)) return Binary255;
  bool beyond = false;
  for (int64_t v = num_classes; v < 256; ++v)
    if (h[size_t(v)] > 0 && v != ignore) stray.set(size_t(v)), beyond = true;
  return beyond ? std::optional<Kind>(OutOfRange) : std::nullopt;
}

// Why a sample could not be read, judged from the files its error names: a format that checks
// its labels refuses a mask with stray values, so the stored values are looked at directly.
Kind failure_kind(const std::string& message, int64_t num_classes, int64_t ignore,
                  std::bitset<256>& stray) {
  for (const std::string& file : files_named_in(message)) {
    if (is_jpeg(file)) return JpegMask;
    std::optional<png::ColourType> type = png::colour_type(file);
    if (type == png::ColourType::Rgb || type == png::ColourType::Rgba) return ColourMask;
    if (type != png::ColourType::Grey && type != png::ColourType::Palette) continue;
    try {
      if (auto kind = label_problem(label_histogram(read_mask(file)), num_classes, ignore, stray))
        return *kind;
    } catch (const std::exception&) {  // unreadable as a mask too: reported as it came
    }
  }
  return Unreadable;
}

std::string list_values(const std::bitset<256>& values) {
  std::string s;
  for (size_t v = 0; v < values.size(); ++v)
    if (values[v]) s += (s.empty() ? "" : ", ") + std::to_string(v);
  return s;
}

}  // namespace

size_t CheckReport::errors() const {
  return size_t(
      std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return f.error; }));
}

CheckReport check_dataset(const Dataset& dataset, size_t max_examples) {
  const ClassInfo& classes = dataset.classes();
  const int64_t num_classes = classes.num_classes(), ignore = classes.ignore_index;
  CheckReport report;
  report.samples = dataset.size();
  report.stats = ClassStats(num_classes);
  Tally tally[kKinds];
  auto note = [&](Kind kind, const std::string& example) {
    if (tally[kind].examples.size() < max_examples) tally[kind].examples.push_back(example);
    ++tally[kind].count;
  };
  std::bitset<256> stray_values;
  for (size_t i = 0; i < dataset.size(); ++i) {
    Sample s;
    try {
      s = dataset.get(i);
    } catch (const std::exception& e) {
      note(failure_kind(e.what(), num_classes, ignore, stray_values), e.what());
      continue;
    }
    const std::string& name = s.mask_path.empty() ? "sample " + std::to_string(i) : s.mask_path;
    if (!s.mask_path.empty() && is_jpeg(s.mask_path)) note(JpegMask, name);
    if (s.image.height != s.mask.height || s.image.width != s.mask.width)
      note(SizeMismatch, detail::str_cat(name, ": image ", s.image.height, "x", s.image.width,
                                         ", mask ", s.mask.height, "x", s.mask.width));
    LabelHistogram h = label_histogram(s.mask);
    if (auto kind = label_problem(h, num_classes, ignore, stray_values)) note(*kind, name);
    report.stats.add(h, ignore);
  }

  const bool any_foreground =
      std::any_of(report.stats.pixels.begin() + std::min<int64_t>(1, num_classes),
                  report.stats.pixels.end(), [](int64_t n) { return n > 0; });
  for (int kind = 0; kind < kKinds; ++kind) {
    if (tally[kind].count == 0) continue;
    Finding f{true,
              detail::str_cat(tally[kind].count, " of ", report.samples, " samples ",
                              kRules[kind].problem),
              kRules[kind].advice, std::move(tally[kind].examples), tally[kind].count};
    if (kind == OutOfRange)
      f.problem += detail::str_cat(" (values ", list_values(stray_values), "; classes are 0..",
                                   num_classes - 1, ", ignore index ", ignore, ")");
    // Some 0/255 masks among masks that do show other classes may be legitimate (an image with
    // only background and a void border), so that is a warning; with no foreground anywhere
    // training would learn nothing but background.
    if (kind == Binary255) f.error = !any_foreground;
    report.findings.push_back(std::move(f));
  }
  if (report.samples == 0)
    report.findings.push_back(
        {true, "the dataset has no samples", "Check the root folder and the split name.", {}, 0});
  std::vector<std::string> absent;
  for (int64_t c = 0; c < num_classes; ++c)
    if (report.stats.pixels[size_t(c)] == 0) absent.push_back(classes.names[size_t(c)]);
  if (report.samples > 0 && !absent.empty())
    report.findings.push_back(
        {false, detail::str_cat(absent.size(), " of ", num_classes, " classes never appear"),
         "Expected for a small split or classes mapped to ignore; otherwise check the class list "
         "and the label mapping. Absent classes get weight 0.",
         std::vector<std::string>(absent.begin(),
                                  absent.begin() + std::min(absent.size(), max_examples)),
         int64_t(absent.size())});
  return report;
}

}  // namespace tessel::data
