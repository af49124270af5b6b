// Pictures of an evaluation: the confusion matrix as a heat map, and predictions drawn over the
// images they were made from. Plain pixel loops into data::Image, written with data/image_io.
#pragma once
#include <string>
#include <vector>

#include "data/image.h"
#include "train/metrics.h"

namespace tessel::train {

// The colour of t in [0, 1] on a dark-blue -> teal -> yellow ramp (viridis-like: monotone in
// lightness, so the picture also reads in grey).
data::Rgb heat_colour(double t);

// Row-normalised confusion matrix (row: target class, column: predicted) as an RGB image, each
// cell `cell` pixels square (0: as large as fits 800 pixels, at least 1). Rows with no pixels are
// grey.
data::Image confusion_image(const ConfusionCounts& cm, int64_t cell = 0);
void write_confusion_png(const std::string& path, const ConfusionCounts& cm, int64_t cell = 0);

// The image (8-bit grey, RGB or RGBA) as RGB with each pixel's class colour blended in with
// weight `alpha`; labels with no palette entry (e.g. the ignore index) leave the pixel as it is.
data::Image overlay(const data::Image& image, const data::Mask& labels,
                    const std::vector<data::Rgb>& palette, double alpha = 0.5);

// Two RGB images next to each other, `gap` white pixels apart (top-aligned, white below the
// shorter one).
data::Image side_by_side(const data::Image& left, const data::Image& right, int64_t gap = 4);

}  // namespace tessel::train
