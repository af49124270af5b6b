// What a decoder accepts from a file before it allocates anything: width and height in
// [1, 2^31 - 1] and at most `max_pixels` pixels. One setting for the process (the loader's worker
// threads decode too), set from the recipe key `data.max_pixels` by the trainer and from
// `--max-pixels` by tessel-data check, tessel-eval and tessel-predict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessel::data {

struct DecodeLimits {
  int64_t max_pixels = int64_t(1) << 28;  // 268,435,456: a 16384 x 16384 image
};

void set_decode_limits(const DecodeLimits& limits);
DecodeLimits decode_limits();

// Throws an Error naming `path`, the declared size, the limit and how to raise it when a
// `format` ("png", "jpeg") file declares a size outside the limits.
void check_declared_size(const std::string& format, const std::string& path, int64_t width,
                         int64_t height);

// a * b, or an Error naming `path` and `what` when the product does not fit in size_t.
size_t checked_mul(size_t a, size_t b, const std::string& path, const char* what);

// bytes.reserve(size), or bytes.resize(size) when `fill`; an Error naming `path` when the memory
// is not there (a limit raised past what the machine holds).
void reserve_pixels(std::vector<uint8_t>& bytes, size_t size, bool fill, const std::string& path);

}  // namespace tessel::data
