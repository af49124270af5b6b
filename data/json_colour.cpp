#include "data/json_colour.h"

#include "core/error.h"

namespace tessel::data {

Rgb rgb_of(const JsonRef& value) {
  std::vector<JsonRef> rgb = value.elements();
  TESSEL_CHECK(rgb.size() == 3, value.where(), " has ", rgb.size(),
               " entries, expected a colour [r, g, b]");
  Rgb c;
  for (size_t k = 0; k < 3; ++k) {
    int64_t v = rgb[k].integer();
    TESSEL_CHECK(v >= 0 && v <= 255, rgb[k].where(), " = ", v, " outside 0..255");
    c[k] = uint8_t(v);
  }
  return c;
}

}  // namespace tessel::data
