// JPEG files through libjpeg-turbo. Reading: 8-bit grey or RGB (CMYK and YCCK converted to RGB),
// within data/decode_limits.h; data that ends early is an error, not grey rows. Writing: grey
// as grey, RGB as RGB (alpha dropped), 4:4:4 above quality 90 and 4:2:0 otherwise. Every error
// is a tessel::Error naming the file and libjpeg's message.
#pragma once

#include <string>

#include "data/image.h"

namespace tessel::data::jpeg {

bool is_jpeg(const std::string& path);  // the file starts with a JPEG SOI marker
Image read(const std::string& path);
void write(const std::string& path, const Image& image, int quality);

}  // namespace tessel::data::jpeg
