#include "data/decode_limits.h"

#include <atomic>

#include "core/error.h"

namespace tessel::data {
namespace {

std::atomic<int64_t> g_max_pixels{DecodeLimits{}.max_pixels};

}  // namespace

void set_decode_limits(const DecodeLimits& limits) {
  TESSEL_CHECK(limits.max_pixels >= 1, "decode limits: max_pixels must be at least 1, got ",
               limits.max_pixels);
  g_max_pixels.store(limits.max_pixels);
}

DecodeLimits decode_limits() {
  return {g_max_pixels.load()};
}

void check_declared_size(const std::string& format, const std::string& path, int64_t width,
                         int64_t height) {
  constexpr int64_t kMaxSide = 0x7fffffff;
  TESSEL_CHECK(width >= 1 && height >= 1 && width <= kMaxSide && height <= kMaxSide, format, ": ",
               path, ": declared size ", width, "x", height,
               " is not an image (width and height must be in [1, 2^31 - 1])");
  const int64_t limit = decode_limits().max_pixels;
  // Both sides are below 2^31, so the product fits in int64_t.
  TESSEL_CHECK(width * height <= limit, format, ": ", path, ": declared size ", width, "x", height,
               " (", width * height, " pixels) is over the limit of ", limit,
               " pixels; if the file is genuine, raise the limit with the recipe key "
               "data.max_pixels or the tools' --max-pixels flag");
}

size_t checked_mul(size_t a, size_t b, const std::string& path, const char* what) {
  size_t out = 0;
  TESSEL_CHECK(!__builtin_mul_overflow(a, b, &out), path, ": ", what, " ", a, " x ", b,
               " overflows");
  return out;
}

void reserve_pixels(std::vector<uint8_t>& bytes, size_t size, bool fill, const std::string& path) {
  try {
    fill ? bytes.resize(size) : bytes.reserve(size);
  } catch (const std::exception&) {  // bad_alloc, or length_error beyond max_size()
    TESSEL_FAIL(path, ": cannot allocate ", size, " bytes for its pixels");
  }
}

}  // namespace tessel::data
