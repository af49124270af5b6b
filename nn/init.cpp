#include "nn/init.h"

#include <cmath>

#include "engine/ops.h"

namespace tessel::nn::init {

namespace {

// Draws in f64 for f64 tensors, f32 otherwise, on the tensor's device.
TensorOptions draw_options(const Tensor& t) {
  return {t.dtype() == DType::F64 ? DType::F64 : DType::F32, t.device()};
}

Tensor assign(const Tensor& t, const Tensor& values) {
  NoGradGuard no_grad;
  t.detach().copy_(values);
  return t;
}

void check_float_tensor(const Tensor& t, const char* what) {
  TESSEL_CHECK(t.defined(), "init::", what, ": tensor is undefined");
  TESSEL_CHECK(is_floating(t.dtype()), "init::", what, ": tensor has dtype ", t.dtype(),
               ", expected a floating-point one");
}

int64_t fan(const Tensor& t, FanMode mode) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::FanIn ? fan_in : fan_out;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Conv2d:
    case Nonlinearity::Sigmoid:
      return 1.0;
    case Nonlinearity::Tanh:
      return 5.0 / 3;
    case Nonlinearity::ReLU:
      return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU:
      return std::sqrt(2.0 / (1 + param * param));
    case Nonlinearity::SELU:
      return 3.0 / 4;
  }
  return 1.0;
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  TESSEL_CHECK(t.defined() && t.dim() >= 2,
               "init: fan in and fan out cannot be computed for a tensor of fewer than 2 dims",
               t.defined() ? " (shape " + shape_str(t.sizes()) + ")" : std::string());
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor uniform_(const Tensor& t, double a, double b, Generator* gen) {
  check_float_tensor(t, "uniform_");
  TESSEL_CHECK(a <= b, "init::uniform_: a (", a, ") is greater than b (", b, ")");
  NoGradGuard no_grad;
  return assign(t, rand(t.sizes(), draw_options(t), gen) * (b - a) + a);
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* gen) {
  check_float_tensor(t, "normal_");
  TESSEL_CHECK(std >= 0, "init::normal_: std (", std, ") is negative");
  NoGradGuard no_grad;
  return assign(t, randn(t.sizes(), draw_options(t), gen) * std + mean);
}

Tensor trunc_normal_(const Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  check_float_tensor(t, "trunc_normal_");
  TESSEL_CHECK(a < b && std > 0, "init::trunc_normal_: needs a < b and std > 0 (a ", a, ", b ", b,
               ", std ", std, ")");
  NoGradGuard no_grad;
  // Inverse-CDF sampling, as PyTorch: u uniform over [cdf(a), cdf(b)], x = mean + std * Phi^-1(u).
  // Phi^-1 via erfinv is not an op; draw normals and redraw the ones outside instead (at least
  // cdf(b) - cdf(a) of them land inside each round; a and b are in the tail only for odd uses).
  Tensor x = randn(t.sizes(), draw_options(t), gen) * std + mean;
  for (int round = 0; round < 1000; ++round) {
    Tensor outside = lt(x, scalar_tensor(a, draw_options(t))).to(DType::F32) +
                     gt(x, scalar_tensor(b, draw_options(t))).to(DType::F32);
    if (sum(outside).item() == 0) break;
    Tensor redraw = randn(t.sizes(), draw_options(t), gen) * std + mean;
    x = where(gt(outside, scalar_tensor(0.0, draw_options(t))), redraw, x);
  }
  return assign(t, clamp(x, a, b));
}

Tensor constant_(const Tensor& t, double value) {
  TESSEL_CHECK(t.defined(), "init::constant_: tensor is undefined");
  NoGradGuard no_grad;
  t.detach().fill_(value);
  return t;
}
Tensor zeros_(const Tensor& t) {
  return constant_(t, 0.0);
}
Tensor ones_(const Tensor& t) {
  return constant_(t, 1.0);
}

Tensor xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double a = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  return uniform_(t, -a, a, gen);
}

Tensor xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0, gain * std::sqrt(2.0 / double(fan_in + fan_out)), gen);
}

Tensor kaiming_uniform_(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity,
                        Generator* gen) {
  if (t.defined() && t.numel() == 0) return t;  // PyTorch: a no-op on empty tensors
  double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode)));
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity,
                       Generator* gen) {
  if (t.defined() && t.numel() == 0) return t;
  return normal_(t, 0, calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode))), gen);
}

}  // namespace tessel::nn::init
