// The random numbers of augmentation and shuffling. A generator is keyed by (seed, epoch, stream):
// the loader gives sample i the stream i, so what happens to a sample depends only on the seed,
// the epoch and its index, never on which worker thread ran it or when.
//
// Philox (core/philox.h) under a key hashed from the three numbers, and distributions written
// out here rather than std::uniform_*_distribution, whose results differ between standard
// libraries: the same seed gives the same augmentations with any compiler.
#pragma once

#include <cstdint>

#include "core/philox.h"

namespace tessel::data {

struct Range {
  double lo, hi;
};

class Rng {
 public:
  Rng(uint64_t seed, uint64_t epoch, uint64_t stream)
      : key_(mix(mix(mix(seed) ^ epoch) ^ stream)) {}

  uint32_t next_u32() {
    if (used_ == 4) {
      block_ = kernels::philox(key_, counter_++);
      used_ = 0;
    }
    return block_.v[used_++];
  }
  uint64_t next_u64() {
    uint64_t hi = next_u32();  // two statements: the order of the draws is fixed
    return (hi << 32) | next_u32();
  }
  double uniform() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double uniform(Range r) { return r.lo + (r.hi - r.lo) * uniform(); }
  // Uniform in [lo, hi), as numpy's randint; the modulo bias is below range / 2^64.
  int64_t randint(int64_t lo, int64_t hi) { return lo + int64_t(next_u64() % uint64_t(hi - lo)); }
  bool bernoulli(double p) { return uniform() < p; }

 private:
  // splitmix64's finaliser: nearby seeds, epochs and indices give unrelated keys.
  static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }
  uint64_t key_;
  uint64_t counter_ = 0;
  kernels::Philox4 block_{};
  int used_ = 4;
};

}  // namespace tessel::data
