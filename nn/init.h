// Parameter initialisation, as torch.nn.init: each function overwrites its tensor in place
// (without recording a gradient) and returns it. Random draws use `gen`, or the engine's seeded
// default generator (tessel::manual_seed) when none is given.
#pragma once

#include <utility>

#include "engine/ops/random.h"
#include "engine/tensor.h"

namespace tessel::nn::init {

enum class FanMode { FanIn, FanOut };
enum class Nonlinearity { Linear, Conv2d, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };

// The recommended gain for a nonlinearity: 1 for linear, conv and sigmoid, 5/3 for tanh, sqrt(2)
// for relu, sqrt(2 / (1 + slope^2)) for leaky relu (`param` is the slope, 0.01 by default), 3/4
// for selu.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight of >= 2 dims: size(1) and size(0) times the receptive field.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor uniform_(const Tensor& t, double a = 0, double b = 1, Generator* gen = nullptr);
Tensor normal_(const Tensor& t, double mean = 0, double std = 1, Generator* gen = nullptr);
// Normal values redrawn until they fall in [a, b] (absolute bounds, as PyTorch).
Tensor trunc_normal_(const Tensor& t, double mean = 0, double std = 1, double a = -2, double b = 2,
                     Generator* gen = nullptr);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);

// U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)); N(0, gain * sqrt(2 / (fan_in + fan_out))).
Tensor xavier_uniform_(const Tensor& t, double gain = 1, Generator* gen = nullptr);
Tensor xavier_normal_(const Tensor& t, double gain = 1, Generator* gen = nullptr);

// std = gain(nonlinearity, a) / sqrt(fan); uniform on +-sqrt(3) std, or normal with that std.
// `a` is the negative slope of the leaky relu that follows (only used for LeakyReLU).
Tensor kaiming_uniform_(const Tensor& t, double a = 0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                        Generator* gen = nullptr);
Tensor kaiming_normal_(const Tensor& t, double a = 0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                       Generator* gen = nullptr);

}  // namespace tessel::nn::init
