// The math of the elementwise ops, written once for the CPU and CUDA kernels. C is the compute
// type (f32 for the 16-bit floats); the op is a runtime switch, so each dtype gets one kernel
// instead of one per op (compile time), and a uniform branch costs nothing next to memory.
#pragma once

#include <cmath>

#include "core/half.h"

namespace tessel::kernels {

enum class UnaryOp : int {
  Neg,
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Sigmoid,
  Tanh,
  Relu,
  Relu6,
  LeakyRelu,
  Elu,
  Hardsigmoid,
  Hardswish,
  Silu,
  Gelu,
  Clamp,
};
enum class BinaryOp : int { Add, Sub, Mul, Div, Pow, Maximum, Minimum };
inline constexpr int kUnaryOps = int(UnaryOp::Clamp) + 1;
inline constexpr int kBinaryOps = int(BinaryOp::Minimum) + 1;
enum class CompareOp : int { Eq, Ne, Lt, Le, Gt, Ge };

// Parameters of the ops that take them: LeakyRelu slope (a), Elu alpha (a), Clamp [a, b].
struct UnaryParams {
  double a = 0, b = 0;
};

template <typename C>
TESSEL_HD C sigmoid_of(C x) {
  using std::exp;
  return C(1) / (C(1) + exp(-x));
}

template <typename C>
TESSEL_HD C unary_forward(UnaryOp op, C x, UnaryParams q) {
  using std::exp, std::log, std::sqrt, std::tanh, std::erf, std::abs;
  switch (op) {
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return abs(x);
    case UnaryOp::Exp:
      return exp(x);
    case UnaryOp::Log:
      return log(x);
    case UnaryOp::Sqrt:
      return sqrt(x);
    case UnaryOp::Rsqrt:
      return C(1) / sqrt(x);
    case UnaryOp::Sigmoid:
      return sigmoid_of(x);
    case UnaryOp::Tanh:
      return tanh(x);
    case UnaryOp::Relu:
      return x > C(0) ? x : C(0);
    case UnaryOp::Relu6:
      return x < C(0) ? C(0) : (x > C(6) ? C(6) : x);
    case UnaryOp::LeakyRelu:
      return x > C(0) ? x : x * C(q.a);
    case UnaryOp::Elu:
      return x > C(0) ? x : C(q.a) * (exp(x) - C(1));
    case UnaryOp::Hardsigmoid: {
      C y = x / C(6) + C(0.5);
      return y < C(0) ? C(0) : (y > C(1) ? C(1) : y);
    }
    case UnaryOp::Hardswish: {
      C r = x + C(3);
      r = r < C(0) ? C(0) : (r > C(6) ? C(6) : r);
      return x * r / C(6);
    }
    case UnaryOp::Silu:
      return x * sigmoid_of(x);
    case UnaryOp::Gelu:
      return C(0.5) * x * (C(1) + erf(x * C(0.70710678118654752440)));
    case UnaryOp::Clamp:
      return x < C(q.a) ? C(q.a) : (x > C(q.b) ? C(q.b) : x);
  }
  return x;
}

// d f(x) / dx times g, from the input x (PyTorch's conventions at the kinks).
template <typename C>
TESSEL_HD C unary_backward(UnaryOp op, C g, C x, UnaryParams q) {
  using std::exp, std::sqrt, std::tanh;
  switch (op) {
    case UnaryOp::Neg:
      return -g;
    case UnaryOp::Abs:
      return x > C(0) ? g : (x < C(0) ? -g : C(0));
    case UnaryOp::Exp:
      return g * exp(x);
    case UnaryOp::Log:
      return g / x;
    case UnaryOp::Sqrt:
      return g / (C(2) * sqrt(x));
    case UnaryOp::Rsqrt:
      return C(-0.5) * g / (x * sqrt(x));
    case UnaryOp::Sigmoid: {
      C s = sigmoid_of(x);
      return g * s * (C(1) - s);
    }
    case UnaryOp::Tanh: {
      C t = tanh(x);
      return g * (C(1) - t * t);
    }
    case UnaryOp::Relu:
      return x > C(0) ? g : C(0);
    case UnaryOp::Relu6:
      return (x > C(0) && x < C(6)) ? g : C(0);
    case UnaryOp::LeakyRelu:
      return x > C(0) ? g : g * C(q.a);
    case UnaryOp::Elu:
      return x > C(0) ? g : g * C(q.a) * exp(x);
    case UnaryOp::Hardsigmoid:
      return (x > C(-3) && x < C(3)) ? g / C(6) : C(0);
    case UnaryOp::Hardswish:
      return x < C(-3) ? C(0) : (x <= C(3) ? g * (x / C(3) + C(0.5)) : g);
    case UnaryOp::Silu: {
      C s = sigmoid_of(x);
      return g * s * (C(1) + x * (C(1) - s));
    }
    case UnaryOp::Gelu: {
      C cdf = C(0.5) * (C(1) + std::erf(x * C(0.70710678118654752440)));
      C pdf = exp(C(-0.5) * x * x) * C(0.39894228040143267794);
      return g * (cdf + x * pdf);
    }
    case UnaryOp::Clamp:
      return (x >= C(q.a) && x <= C(q.b)) ? g : C(0);
  }
  return g;
}

template <typename C>
TESSEL_HD C binary_apply(BinaryOp op, C a, C b) {
  switch (op) {
    case BinaryOp::Add:
      return a + b;
    case BinaryOp::Sub:
      return a - b;
    case BinaryOp::Mul:
      return a * b;
    case BinaryOp::Div:
      return a / b;
    case BinaryOp::Pow: {
      using std::pow;
      return C(pow(a, b));
    }
    case BinaryOp::Maximum:
      return (a != a || a > b) ? a : b;  // NaN propagates
    case BinaryOp::Minimum:
      return (a != a || a < b) ? a : b;
  }
  return a;
}

template <typename C>
TESSEL_HD bool compare_apply(CompareOp op, C a, C b) {
  switch (op) {
    case CompareOp::Eq:
      return a == b;
    case CompareOp::Ne:
      return a != b;
    case CompareOp::Lt:
      return a < b;
    case CompareOp::Le:
      return a <= b;
    case CompareOp::Gt:
      return a > b;
    case CompareOp::Ge:
      return a >= b;
  }
  return false;
}

}  // namespace tessel::kernels
