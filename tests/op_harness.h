// The one harness every op test uses (in the spirit of ggml's test-backend-ops):
//  - expect_close: forward against a reference, elementwise with rtol/atol, naming the first miss;
//  - expect_gradcheck: backward against central finite differences in f64, and a second
//    backward that must accumulate into .grad (dlib's check), not overwrite it;
//  - expect_cuda_matches_cpu: the same function on CUDA in f32/f16/bf16 against the CPU in f64.
// An op's test is then a few lines: build inputs, call these.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "engine/ops.h"

namespace tessel::testing {

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Random normal tensor (seeded), optionally requiring grad.
inline Tensor randn_input(const Shape& shape, uint64_t seed, DType dtype = DType::F64,
                          bool grad = true) {
  Generator g(seed);
  Tensor t = randn(shape, {dtype}, &g);
  if (grad) t.requires_grad_();
  return t;
}

// Compares a and b (any device/dtype) as doubles.
inline ::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, double rtol,
                                            double atol) {
  if (a.sizes() != b.sizes())
    return ::testing::AssertionFailure()
           << "shape " << shape_str(a.sizes()) << " vs " << shape_str(b.sizes());
  std::vector<double> x = a.detach().to_vector<double>(), y = b.detach().to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    bool both_nan = std::isnan(x[i]) && std::isnan(y[i]);
    if (!both_nan && !(std::abs(x[i] - y[i]) <= atol + rtol * std::abs(y[i])))
      return ::testing::AssertionFailure()
             << "element " << i << " of " << x.size() << ": " << x[i] << " vs " << y[i] << " (rtol "
             << rtol << ", atol " << atol << ")";
  }
  return ::testing::AssertionSuccess();
}
#define EXPECT_ALL_CLOSE(a, b, rtol, atol) \
  EXPECT_TRUE(::tessel::testing::all_close(a, b, rtol, atol))

// The error a statement throws (or "no error"): EXPECT_ERROR checks that a bad argument is named
// in the message, and prints the message it got when it is not.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
#define EXPECT_ERROR(stmt, text)                                                          \
  do {                                                                                    \
    std::string tessel_msg_ = ::tessel::testing::error_of([&] { stmt; });                 \
    EXPECT_NE(tessel_msg_.find(text), std::string::npos) << "error was: " << tessel_msg_; \
  } while (0)

// Checks d(sum(f(x) * w))/dx for random weights w against central differences, for every input
// that requires grad. Inputs should be f64 on the CPU.
inline void expect_gradcheck(const OpFn& f, std::vector<Tensor> inputs, double eps = 1e-6,
                             double rtol = 1e-4, double atol = 1e-6) {
  Tensor out0 = f(inputs);
  Tensor w = randn_input(out0.sizes(), 12345, out0.dtype(), false);
  auto objective = [&](const std::vector<Tensor>& in) { return sum(f(in) * w); };
  for (auto& t : inputs)
    if (t.requires_grad()) t.set_grad(Tensor());
  objective(inputs).backward();
  std::vector<Tensor> analytic;
  for (auto& t : inputs) analytic.push_back(t.requires_grad() ? t.grad() : Tensor());
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    ASSERT_TRUE(analytic[k].defined()) << "input " << k << " got no gradient";
    Tensor x = inputs[k];
    std::vector<double> numeric(size_t(x.numel()));
    NoGradGuard no_grad;
    Tensor flat = x.detach().contiguous();
    ASSERT_TRUE(flat.storage() == x.storage()) << "gradcheck inputs must be contiguous";
    double* p = flat.data<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      double saved = p[i];
      p[i] = saved + eps;
      double up = objective(inputs).item();
      p[i] = saved - eps;
      double down = objective(inputs).item();
      p[i] = saved;
      numeric[size_t(i)] = (up - down) / (2 * eps);
    }
    EXPECT_TRUE(all_close(analytic[k], from_vector(numeric, x.sizes(), DType::F64), rtol, atol))
        << "gradient of input " << k;
  }
  // A second backward adds to .grad.
  objective(inputs).backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    EXPECT_TRUE(all_close(inputs[k].grad(), analytic[k] * 2.0, 1e-9, 1e-12))
        << "backward overwrote instead of accumulating into .grad of input " << k;
  }
}

// Tolerance for comparing a CUDA result in `dtype` with the f64 CPU result.
inline double tolerance_for(DType t) {
  return t == DType::F32 ? 1e-4 : (t == DType::F16 ? 5e-3 : (t == DType::BF16 ? 3e-2 : 1e-10));
}

// Runs f on the CPU in f64 and on CUDA in `dtype` (inputs converted; integer inputs kept), and
// compares outputs, and gradients of the inputs that require grad.
inline void expect_cuda_matches_cpu(const OpFn& f, const std::vector<Tensor>& inputs, DType dtype,
                                    double tol = -1) {
  if (tol < 0) tol = tolerance_for(dtype);
  auto prepare = [&](Device d, DType t) {
    std::vector<Tensor> v;
    for (const Tensor& x : inputs) {
      Tensor y = x.detach().to(is_floating(x.dtype()) ? t : x.dtype()).to(d);
      if (x.requires_grad()) y.requires_grad_();
      v.push_back(y);
    }
    return v;
  };
  auto cpu_in = prepare(kCPU, DType::F64), gpu_in = prepare(cuda_device(0), dtype);
  Tensor cpu_out = f(cpu_in), gpu_out = f(gpu_in);
  EXPECT_EQ(gpu_out.device(), cuda_device(0));
  EXPECT_TRUE(all_close(gpu_out.to(kCPU), cpu_out, tol, tol)) << "forward, dtype " << dtype;
  if (!cpu_out.requires_grad()) return;
  Tensor w = randn_input(cpu_out.sizes(), 777, DType::F64, false);
  sum(cpu_out * w).backward();
  sum(gpu_out * w.to(dtype).to(cuda_device(0))).backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    EXPECT_TRUE(all_close(gpu_in[k].grad().to(kCPU), cpu_in[k].grad(), tol * 4, tol * 4))
        << "gradient of input " << k << ", dtype " << dtype;
  }
}

}  // namespace tessel::testing
