#include "core/env.h"

#include <cstdlib>
#include <string_view>

#include "core/error.h"

namespace tessel {

bool env_flag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  std::string_view value(v);
  TESSEL_CHECK(value == "0" || value == "1", name, "=", value, ": expected 0 or 1");
  return value == "1";
}

}  // namespace tessel
