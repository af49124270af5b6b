// Reading and writing images and label masks. Images are PNG (libpng, data/png.h: 8 and 16 bit;
// grey, RGB, RGBA, palette) or JPEG (libjpeg-turbo, data/jpeg.h); masks come back as the class
// indices that were stored: grey and palette PNGs exactly at every bit depth, RGB colour-coded
// masks through the dataset's colour list. Decoding refuses a file that declares more pixels
// than data/decode_limits.h allows, before allocating. Every error names the file.
#pragma once

#include <string>
#include <vector>

#include "data/decode_limits.h"
#include "data/image.h"
#include "data/png.h"

namespace tessel::data {

// Channels as stored (grey + alpha becomes RGBA, palettes expand to RGB, or RGBA with tRNS);
// 16-bit PNGs stay 16 bit.
Image read_image(const std::string& path);
void write_png(const std::string& path, const Image& image);
// The PNG file's bytes, for embedding (TensorBoard images, reports); `what` names it in errors.
std::vector<uint8_t> encode_png(const Image& image, const std::string& what);
// Grey stays grey; RGBA loses its alpha.
void write_jpeg(const std::string& path, const Image& image, int quality = 95);

// Grey and palette PNGs give their stored indices exactly (any bit depth); other grey images
// give their 8-bit values; colour images are mapped through `colours` (class i has colours[i]),
// and a colour not in the list is an error.
Mask read_mask(const std::string& path, const std::vector<Rgb>& colours = {});

// A palette PNG of the mask (for predictions, and VOC-style masks): the smallest bit depth that
// holds the palette and the largest label; labels beyond the palette are drawn black.
void write_palette_png(const std::string& path, const Mask& mask, std::vector<Rgb> palette,
                       png::Filter filter = png::Filter::None);

// The Pascal VOC colour map: label bits spread over the high bits of R, G and B, so neighbouring
// labels get distinct colours. Used by VOC masks and as the default palette of other datasets.
std::vector<Rgb> voc_palette(int n = 256);

}  // namespace tessel::data
