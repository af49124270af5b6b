// Photometric transforms: the image changes, the mask never does.
#pragma once

#include <cstdint>

#include "data/image.h"
#include "data/rng.h"

namespace tessel::data {

// Every sample becomes x * alpha + beta, clipped to [0, 255] and truncated to 8 bits: mmseg's
// PhotoMetricDistortion.convert on a uint8 image. 8-bit images.
void convert(Image& img, double alpha, double beta);

// OpenCV's 8-bit RGB <-> HSV: H in [0, 180) (degrees / 2), S and V in [0, 255], in place.
void rgb_to_hsv(Image& img);
void hsv_to_rgb(Image& img);

void scale_saturation(Image& img, double alpha);  // S * alpha through convert()
void shift_hue(Image& img, int64_t delta);        // (H + delta) mod 180

struct PhotometricOptions {
  double brightness_delta = 32;
  Range contrast{0.5, 1.5};
  Range saturation{0.5, 1.5};
  int64_t hue_delta = 18;
};

// mmsegmentation's PhotoMetricDistortion on an 8-bit RGB image: random brightness, then random
// contrast either now or last (a coin), random saturation, random hue; each applied with
// probability 1/2, with mmseg's ranges and its order of draws.
void photometric_distortion(Image& img, Rng& rng, const PhotometricOptions& o);

// Separable Gaussian blur with an odd `kernel` size and `sigma` (OpenCV's GaussianBlur with
// BORDER_REFLECT_101). 8- or 16-bit, any channels.
void gaussian_blur(Image& img, int64_t kernel, double sigma);

}  // namespace tessel::data
