// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): four 32-bit
// numbers from a 128-bit counter and a 64-bit key, the same on host and device.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/half.h"

namespace tessel::kernels {

struct Philox4 {
  uint32_t v[4];
};

TESSEL_HD uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t& hi) {
  uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  return uint32_t(p);
}

// Numbers for counter `ctr` (the element group) under `seed`.
TESSEL_HD Philox4 philox(uint64_t seed, uint64_t ctr) {
  uint32_t c0 = uint32_t(ctr), c1 = uint32_t(ctr >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(0xD2511F53u, c0, hi0);
    uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

// Uniform in [0, 1) with 24 bits (float) or 53 bits (double, from two numbers).
TESSEL_HD float uniform_f32(uint32_t x) {
  return float(x >> 8) * (1.0f / 16777216.0f);
}
TESSEL_HD double uniform_f64(uint32_t a, uint32_t b) {
  return double(((uint64_t(a) << 21) ^ (b >> 11)) & ((uint64_t(1) << 53) - 1)) *
         (1.0 / 9007199254740992.0);
}

enum class RandomKind : int { Uniform, Normal, Int };

// The values of elements 4g .. 4g+3 of a draw, all from counter (offset + g): one Philox call
// and, for normals, two Box-Muller pairs (numbers (0, 1) and (2, 3)) serve four elements. The
// math is in double so that the CPU and CUDA agree to the last bit of a float.
// Uniform values have 53 random bits when `wide` (f64 tensors), else 24, which any float type
// holds exactly, so a float draw never rounds up to 1.
TESSEL_HD void random_group(RandomKind kind, bool wide, uint64_t seed, uint64_t offset, int64_t g,
                            int64_t low, uint64_t range, double out[4]) {
  Philox4 r = philox(seed, offset + uint64_t(g));
  for (int k = 0; k < 4; ++k) {
    switch (kind) {
      case RandomKind::Uniform:
        out[k] = wide ? uniform_f64(r.v[k], r.v[(k + 1) % 4]) : double(uniform_f32(r.v[k]));
        break;
      case RandomKind::Normal:
        if (k % 2 == 0) {
          using std::sqrt, std::log, std::sin, std::cos;
          double u1 = 1.0 - uniform_f64(r.v[k], r.v[k + 1]);  // (0, 1]: log is finite
          double u2 = uniform_f64(r.v[k + 1], r.v[k]);
          double rad = sqrt(-2.0 * log(u1)), ang = 6.283185307179586 * u2;
          out[k] = rad * cos(ang);
          out[k + 1] = rad * sin(ang);
        }
        break;
      case RandomKind::Int: {
        uint64_t x = (uint64_t(r.v[k]) << 32) | r.v[(k + 1) % 4];
        out[k] = double(low + int64_t(x % range));
        break;
      }
    }
  }
}

// Element i alone (a caller that needs one value per element, such as a dropout mask).
TESSEL_HD double random_value(RandomKind kind, bool wide, uint64_t seed, uint64_t offset, int64_t i,
                              int64_t low, uint64_t range) {
  double v[4] = {};
  random_group(kind, wide, seed, offset, i / 4, low, range, v);
  return v[i % 4];
}

}  // namespace tessel::kernels
