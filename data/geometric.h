// Geometric transforms of a sample. The image and the mask always move together: the image is
// interpolated (bilinear), the mask takes the label of one source pixel (nearest), and pixels
// that come from outside the source get a fill value in the image and the ignore index in the
// mask. 8- and 16-bit images with any channel count.
#pragma once

#include <cstdint>

#include "data/dataset.h"

namespace tessel::data {

// To (height, width). Bilinear with half-pixel centres (OpenCV's INTER_LINEAR, PyTorch's
// align_corners=False). The mask takes the source pixel nearest to the point the image samples,
// which keeps labels and pixels aligned at any scale (OpenCV's INTER_NEAREST does not: it
// samples pixel corners).
void resize(Sample& s, int64_t height, int64_t width);

// Pads the bottom and right edges up to at least (height, width): image with `fill` in every
// channel, mask with `ignore`.
void pad_to(Sample& s, int64_t height, int64_t width, double fill, uint8_t ignore);

// The window at (top, left) of size (height, width); it must lie inside the sample.
void crop(Sample& s, int64_t top, int64_t left, int64_t height, int64_t width);

void hflip(Sample& s);  // mirrors left-right
void vflip(Sample& s);  // mirrors top-bottom

// Rotates the content clockwise by `degrees` about the image centre, keeping the size (mmcv's
// imrotate without auto_bound).
void rotate(Sample& s, double degrees, double fill, uint8_t ignore);

}  // namespace tessel::data
