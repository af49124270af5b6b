#include "nn/activation.h"

#include <cmath>
#include <numbers>

#include "engine/ops.h"
#include "nn/args.h"

namespace tessel::nn {

// The engine functions have default arguments or overloads, so each is wrapped.
ReLU::ReLU() : Activation("ReLU", [](const Tensor& x) { return relu(x); }) {}
ReLU6::ReLU6() : Activation("ReLU6", [](const Tensor& x) { return relu6(x); }) {}
Hardsigmoid::Hardsigmoid()
    : Activation("Hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); }) {}
Hardswish::Hardswish() : Activation("Hardswish", [](const Tensor& x) { return hardswish(x); }) {}
SiLU::SiLU() : Activation("SiLU", [](const Tensor& x) { return silu(x); }) {}
Sigmoid::Sigmoid() : Activation("Sigmoid", [](const Tensor& x) { return sigmoid(x); }) {}
Tanh::Tanh() : Activation("Tanh", [](const Tensor& x) { return tanh(x); }) {}

LeakyReLU::LeakyReLU(double negative_slope) : Module("LeakyReLU"), negative_slope(negative_slope) {}
Tensor LeakyReLU::forward(const Tensor& x) {
  return leaky_relu(x, negative_slope);
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + repr(negative_slope);
}

ELU::ELU(double alpha) : Module("ELU"), alpha(alpha) {}
Tensor ELU::forward(const Tensor& x) {
  return elu(x, alpha);
}
std::string ELU::extra_repr() const {
  return "alpha=" + repr(alpha);
}

GELU::GELU(std::string approximate) : Module("GELU"), approximate(std::move(approximate)) {
  TESSEL_CHECK(this->approximate == "none" || this->approximate == "tanh", "GELU: approximate '",
               this->approximate, "' is not one of 'none', 'tanh'");
}
Tensor GELU::forward(const Tensor& x) {
  if (approximate == "none") return gelu(x);
  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  const double k = std::sqrt(2 / std::numbers::pi);
  return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
}
std::string GELU::extra_repr() const {
  return "approximate='" + approximate + "'";
}

}  // namespace tessel::nn
