#include "engine/ops/random.h"

#include "engine/dispatch.h"
#include "kernels/random.h"

namespace tessel {

Generator& default_generator() {
  static Generator g(0);
  return g;
}
void manual_seed(uint64_t seed) {
  default_generator().manual_seed(seed);
}

namespace {
Tensor draw(kernels::RandomSpec spec, const Shape& shape, TensorOptions o, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, o);
  int64_t n = t.numel();
  spec.seed = g.seed();
  spec.offset = g.advance(uint64_t(n + 3) / 4);
  on_device(o.device,
            [&](const auto& ctx) { kernels::random_fill(ctx, spec, o.dtype, t.data_ptr(), n); });
  return t;
}
}  // namespace

Tensor rand(const Shape& shape, TensorOptions o, Generator* gen) {
  TESSEL_CHECK(is_floating(o.dtype), "rand: dtype must be floating, got ", o.dtype);
  return draw({kernels::RandomKind::Uniform, 0, 0}, shape, o, gen);
}
Tensor randn(const Shape& shape, TensorOptions o, Generator* gen) {
  TESSEL_CHECK(is_floating(o.dtype), "randn: dtype must be floating, got ", o.dtype);
  return draw({kernels::RandomKind::Normal, 0, 0}, shape, o, gen);
}
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions o, Generator* gen) {
  TESSEL_CHECK(high > low, "randint: high (", high, ") must be greater than low (", low, ")");
  return draw({kernels::RandomKind::Int, 0, 0, low, uint64_t(high - low)}, shape, o, gen);
}

}  // namespace tessel
