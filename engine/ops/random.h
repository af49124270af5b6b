// Seeded counter-based random numbers (Philox 4x32-10): element i of a draw depends only on
// (seed, offset, i), so the CPU and CUDA give the same numbers for the same seed.
#pragma once

#include <cstdint>

#include "engine/tensor.h"

namespace tessel {

// A seed and a running offset: every draw advances the offset by the counters it used, so
// successive draws differ and a re-seeded generator repeats them.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  // Reserves `n` counters (of 4 numbers each) and returns the first.
  uint64_t advance(uint64_t n) {
    uint64_t first = offset_;
    offset_ += n;
    return first;
  }
  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

Tensor rand(const Shape& shape, TensorOptions o = {}, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Shape& shape, TensorOptions o = {}, Generator* gen = nullptr);  // N(0, 1)
// Integers uniform in [low, high); default dtype i64.
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions o = DType::I64,
               Generator* gen = nullptr);

}  // namespace tessel
