#include "engine/iter.h"

namespace tessel {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TESSEL_CHECK(x == y || x == 1 || y == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
                 " cannot be broadcast (dim ", i, ": ", x, " vs ", y, ")");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Shape broadcast_strides(const Tensor& t, const Shape& shape, const char* op) {
  TESSEL_CHECK(size_t(t.dim()) <= shape.size(), op, ": tensor of shape ", shape_str(t.sizes()),
               " cannot broadcast to ", shape_str(shape));
  size_t lead = shape.size() - size_t(t.dim());
  Shape st(shape.size(), 0);
  for (size_t i = lead; i < shape.size(); ++i) {
    int64_t s = t.sizes()[i - lead];
    TESSEL_CHECK(s == shape[i] || s == 1, op, ": tensor of shape ", shape_str(t.sizes()),
                 " cannot broadcast to ", shape_str(shape));
    st[i] = s == 1 ? 0 : t.strides()[i - lead];
  }
  return st;
}

}  // namespace tessel
