// Pictures of an evaluation: the confusion matrix as a heat map (PNG, and SVG with the class
// names) and predictions drawn over the images they were made from. Plain pixel loops into
// data::Image, written with data/image_io; SVG as text.
#pragma once
#include <string>
#include <vector>

#include "data/image.h"
#include "train/metrics.h"

namespace tessel::train {

// The colour of t in [0, 1] on a dark-blue -> teal -> yellow ramp (viridis-like: monotone in
// lightness, so the picture also reads in grey).
data::Rgb heat_colour(double t);
// "#rrggbb", for SVG and HTML.
std::string hex_colour(const data::Rgb& c);

// Row-normalised confusion matrix (row: target class, column: predicted) as an RGB image, each
// cell `cell` pixels square (0: as large as fits 800 pixels, at least 1). Rows with no pixels are
// grey.
data::Image confusion_image(const ConfusionCounts& cm, int64_t cell = 0);
void write_confusion_png(const std::string& path, const ConfusionCounts& cm, int64_t cell = 0);

// The confusion matrix for people: an SVG document with the class names on both axes (rows: the
// target class, columns: the prediction), each cell coloured by its row-normalised share and
// labelled with it in percent when the cells are large enough, its count and share in a tooltip,
// and the colour scale beside. `names` has one name per class.
std::string confusion_svg(const ConfusionCounts& cm, const std::vector<std::string>& names);
// The counts as CSV: a header "target \ predicted,<names...>", then one row per target class.
std::string confusion_csv(const ConfusionCounts& cm, const std::vector<std::string>& names);
// The counts of a file confusion_csv wrote, for `num_classes` classes; an Error naming the file
// when it does not hold them.
ConfusionCounts read_confusion_csv(const std::string& path, int64_t num_classes);

// The image (8-bit grey, RGB or RGBA) as RGB with each pixel's class colour blended in with
// weight `alpha`; labels with no palette entry (e.g. the ignore index) leave the pixel as it is.
data::Image overlay(const data::Image& image, const data::Mask& labels,
                    const std::vector<data::Rgb>& palette, double alpha = 0.5);

// `image` enlarged by the smallest whole factor that makes its shorter side at least `min_side`
// pixels, by repeating pixels (nearest neighbour: class boundaries stay sharp); as it is when it
// is that large already.
data::Image upscale_nearest(const data::Image& image, int64_t min_side = 256);

// Two RGB images next to each other, `gap` white pixels apart (top-aligned, white below the
// shorter one).
data::Image side_by_side(const data::Image& left, const data::Image& right, int64_t gap = 4);

}  // namespace tessel::train
