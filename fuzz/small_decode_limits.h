// For the targets that decode images: a pixel limit of 2^22 while a target runs. The default
// (2^28) lets a valid file make the decoder reserve up to 2 GB, which libFuzzer's malloc limit
// would report; the limit itself is tested in tests/data/decode_limits_test.cpp.
#pragma once

#include "data/decode_limits.h"

namespace tessel::fuzz {

class SmallDecodeLimits {
 public:
  SmallDecodeLimits() { data::set_decode_limits({.max_pixels = int64_t(1) << 22}); }
  ~SmallDecodeLimits() { data::set_decode_limits(saved_); }
  SmallDecodeLimits(const SmallDecodeLimits&) = delete;
  SmallDecodeLimits& operator=(const SmallDecodeLimits&) = delete;

 private:
  data::DecodeLimits saved_ = data::decode_limits();
};

}  // namespace tessel::fuzz
