// Typed access to an Image's interleaved samples, shared by the transforms: one generic body
// serves 8- and 16-bit images.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "data/image.h"

namespace tessel::data {

inline int64_t pixel_bytes(const Image& img) {
  return img.channels * (img.bits / 8);
}

// Calls f(T* samples) with T = uint8_t or uint16_t as the image's bit depth says.
template <typename ImageRef, typename F>
decltype(auto) with_samples(ImageRef& img, F&& f) {
  TESSEL_CHECK(img.bits == 8 || img.bits == 16, "image has ", img.bits,
               " bits per sample; expected 8 or 16");
  using Byte = std::conditional_t<std::is_const_v<ImageRef>, const uint8_t, uint8_t>;
  using Word = std::conditional_t<std::is_const_v<ImageRef>, const uint16_t, uint16_t>;
  if (img.bits == 8) return f(reinterpret_cast<Byte*>(img.bytes.data()));
  return f(reinterpret_cast<Word*>(img.bytes.data()));
}

// Rounds to the nearest representable sample, saturating.
template <typename T>
T saturate(double v) {
  constexpr double hi = std::numeric_limits<T>::max();
  return T(std::clamp(std::nearbyint(v), 0.0, hi));
}

}  // namespace tessel::data
