// The naive BCE reference and the focal options shared by the BCE and focal tests.
#pragma once

#include <cmath>
#include <vector>

#include "engine/ops.h"

namespace tessel::testing {

// Naive reference with plain logs of the sigmoid (fine in f64 for moderate x).
inline Tensor reference_bce(const Tensor& x, const Tensor& t, double pos_weight) {
  std::vector<double> v = x.to_vector<double>(), tv = t.to_vector<double>(), out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    double p = 1 / (1 + std::exp(-v[i]));
    out[i] = -(pos_weight * tv[i] * std::log(p) + (1 - tv[i]) * std::log(1 - p));
  }
  return from_vector(out, x.sizes(), DType::F64);
}

inline FocalOptions focal_options(double alpha, double gamma, Reduction r) {
  FocalOptions o;
  o.alpha = alpha, o.gamma = gamma, o.reduction = r;
  return o;
}

}  // namespace tessel::testing
