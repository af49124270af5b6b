#include "nn/activation.h"

#include <algorithm>
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
  auto scope = trace_scope();
  return leaky_relu(x, negative_slope);
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + repr(negative_slope);
}

ELU::ELU(double alpha) : Module("ELU"), alpha(alpha) {}
Tensor ELU::forward(const Tensor& x) {
  auto scope = trace_scope();
  return elu(x, alpha);
}
std::string ELU::extra_repr() const {
  return "alpha=" + repr(alpha);
}

PReLU::PReLU(int64_t num_parameters, double init) : Module("PReLU") {
  TESSEL_CHECK(num_parameters >= 1, "PReLU: num_parameters is ", num_parameters,
               ", needs at least 1");
  weight = register_parameter("weight", full({num_parameters}, init));
}
Tensor PReLU::forward(const Tensor& x) {
  auto scope = trace_scope();
  // One slope per channel (dimension 1) broadcasts over the dimensions after it.
  Shape shape{weight.numel()};
  if (weight.numel() > 1) shape.resize(size_t(std::max<int64_t>(x.dim() - 1, 1)), 1);
  Tensor a = weight.reshape(shape);
  return relu(x) - a * relu(-x);
}
std::string PReLU::extra_repr() const {
  return "num_parameters=" + std::to_string(weight.numel());
}

GELU::GELU(std::string approximate) : Module("GELU"), approximate(std::move(approximate)) {
  TESSEL_CHECK(this->approximate == "none" || this->approximate == "tanh", "GELU: approximate '",
               this->approximate, "' is not one of 'none', 'tanh'");
}
Tensor GELU::forward(const Tensor& x) {
  auto scope = trace_scope();
  if (approximate == "none") return gelu(x);
  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  const double k = std::sqrt(2 / std::numbers::pi);
  return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
}
std::string GELU::extra_repr() const {
  return "approximate='" + approximate + "'";
}

}  // namespace tessel::nn
