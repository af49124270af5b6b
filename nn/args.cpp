#include "nn/args.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tessel::nn {

std::string repr(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  // Python's repr: the fewest significant digits that read back, positional for decimal
  // exponents in [-4, 16) (with ".0" on integers), else "1e-05" style.
  char buf[40];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
  int exp = v == 0 ? 0 : std::atoi(std::strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 16) {
    std::string s = buf, mant = s.substr(0, s.find('e'));
    std::snprintf(buf, sizeof buf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return mant + buf;
  }
  std::snprintf(buf, sizeof buf, "%.*f", std::max(digits - 1 - exp, 1), v);
  return buf;
}

std::string Float2::str() const {
  if (scalar) return repr(h);
  std::string s = "(";  // appended: "(" + std::string trips GCC 12's -Wrestrict false positive
  s += repr(h);
  s += ", ";
  s += repr(w);
  return s + ")";
}

}  // namespace tessel::nn
