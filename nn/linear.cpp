#include "nn/linear.h"

#include <cmath>

#include "engine/ops.h"
#include "nn/args.h"
#include "nn/init.h"

namespace tessel::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : Module("Linear"), in_features(in_features), out_features(out_features) {
  TESSEL_CHECK(in_features >= 0 && out_features >= 0, "Linear: in_features (", in_features,
               ") and out_features (", out_features, ") must not be negative");
  weight = register_parameter("weight", empty({out_features, in_features}));
  this->bias = register_parameter("bias", bias ? empty({out_features}) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = in_features > 0 ? 1 / std::sqrt(double(in_features)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) {
  auto scope = trace_scope();
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) +
         ", out_features=" + std::to_string(out_features) + ", bias=" + repr(bias.defined());
}

}  // namespace tessel::nn
