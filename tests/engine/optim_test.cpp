// sgd_step_ and adam_step_ (engine/ops/optim.h) against the update written out element by
// element in f64, across the kernel's chunk boundary; the argument checks; CUDA against the CPU.
// tests/nn/optim_test.cpp checks the optimizers built on them against torch.optim.
#include <cmath>

#include "engine/ops.h"
#include "kernels/optim.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

struct Case {
  std::vector<Tensor> params, grads;
  std::vector<std::vector<Tensor>> state;
};

// Parameters of odd sizes, one spanning two kernel chunks, with `buffers` state tensors each.
Case make_case(Device d, size_t buffers, uint64_t seed) {
  Generator g(seed);
  Case c;
  for (int64_t n : {int64_t(7), kernels::kOptimChunk + 3, int64_t(1)}) {
    c.params.push_back(randn({n}, {DType::F64, d}, &g));
    c.grads.push_back(randn({n}, {DType::F64, d}, &g));
    std::vector<Tensor> s;
    for (size_t k = 0; k < buffers; ++k) s.push_back(rand({n}, {DType::F64, d}, &g));
    c.state.push_back(s);
  }
  return c;
}

Case copy_of(const Case& c, Device d) {
  Case out;
  for (size_t i = 0; i < c.params.size(); ++i) {
    out.params.push_back(c.params[i].to(d).clone());
    out.grads.push_back(c.grads[i].to(d).clone());
    std::vector<Tensor> s;
    for (const Tensor& b : c.state[i]) s.push_back(b.to(d).clone());
    out.state.push_back(s);
  }
  return out;
}

TEST(Optim, SgdMatchesTheUpdateWrittenOut) {
  SgdStep o{.lr = 0.1, .weight_decay = 0.01, .momentum = 0.9, .dampening = 0, .nesterov = true,
            .step = 2};
  Case c = make_case(kCPU, 1, 1), before = copy_of(c, kCPU);
  OptimTable table;
  sgd_step_(c.params, c.grads, c.state, o, table);
  for (size_t i = 0; i < c.params.size(); ++i) {
    auto p = before.params[i].to_vector<double>(), g = before.grads[i].to_vector<double>(),
         buf = before.state[i][0].to_vector<double>();
    for (size_t e = 0; e < p.size(); ++e) {
      double ge = g[e] + o.weight_decay * p[e];
      buf[e] = o.momentum * buf[e] + (1 - o.dampening) * ge;
      p[e] -= o.lr * (ge + o.momentum * buf[e]);
    }
    EXPECT_ALL_CLOSE(c.params[i], from_vector(p, c.params[i].sizes(), DType::F64), 1e-12, 1e-14);
    EXPECT_ALL_CLOSE(c.state[i][0], from_vector(buf, c.params[i].sizes(), DType::F64), 1e-12,
                     1e-14);
  }
}

TEST(Optim, AdamWithAmsgradMatchesTheUpdateWrittenOut) {
  for (bool decoupled : {false, true}) {
    AdamStep o{.lr = 1e-2, .weight_decay = 0.05, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8,
               .partial = 0.5, .amsgrad = true, .decoupled = decoupled, .step = 3};
    Case c = make_case(kCPU, 3, 2), before = copy_of(c, kCPU);
    OptimTable table;
    adam_step_(c.params, c.grads, c.state, o, table);
    double bc1 = 1 - std::pow(o.beta1, 3.0), bc2 = 1 - std::pow(o.beta2, 3.0);
    for (size_t i = 0; i < c.params.size(); ++i) {
      auto p = before.params[i].to_vector<double>(), g = before.grads[i].to_vector<double>();
      auto m = before.state[i][0].to_vector<double>(), v = before.state[i][1].to_vector<double>(),
           vmax = before.state[i][2].to_vector<double>();
      for (size_t e = 0; e < p.size(); ++e) {
        double ge = g[e];
        if (decoupled)
          p[e] *= 1 - o.lr * o.weight_decay;
        else
          ge += o.weight_decay * p[e];
        m[e] = o.beta1 * m[e] + (1 - o.beta1) * ge;
        v[e] = o.beta2 * v[e] + (1 - o.beta2) * ge * ge;
        vmax[e] = std::max(vmax[e], v[e]);
        p[e] -= o.lr / bc1 * m[e] / (std::sqrt(vmax[e]) / std::sqrt(bc2) + o.eps);
      }
      const Shape& s = c.params[i].sizes();
      EXPECT_ALL_CLOSE(c.params[i], from_vector(p, s, DType::F64), 1e-10, 1e-13)
          << "decoupled " << decoupled;
      EXPECT_ALL_CLOSE(c.state[i][2], from_vector(vmax, s, DType::F64), 1e-12, 1e-14);
    }
  }
}

TEST(Optim, ErrorsNameTheParameterAndWhatIsWrong) {
  Case c = make_case(kCPU, 1, 3);
  OptimTable table;
  SgdStep o{.lr = 0.1, .momentum = 0.9};
  EXPECT_ERROR(sgd_step_(c.params, {c.grads[0]}, c.state, o, table),
               "sgd_step_: 3 params, 1 grads and 3 state lists");
  Case wrong = c;
  wrong.grads[1] = zeros({2}, DType::F64);
  EXPECT_ERROR(sgd_step_(wrong.params, wrong.grads, wrong.state, o, table),
               "parameter 1 ([65539], f64, cpu) has a gradient of [2], f64, cpu");
  wrong = c;
  wrong.state[2][0] = zeros({1}, DType::F32);
  EXPECT_ERROR(sgd_step_(wrong.params, wrong.grads, wrong.state, o, table),
               "state buffer 0 of parameter 2 must be a contiguous f64 tensor");
  EXPECT_ERROR(sgd_step_(c.params, c.grads, {{}, {}, {}}, o, table),
               "parameter 0 has 0 state buffers, the update reads 1");
  EXPECT_ERROR(adam_step_(c.params, c.grads, c.state, {.beta1 = 1}, table),
               "adam_step_: betas (1, 0.999) outside [0, 1)");
}

TEST(Optim, MatchesCpu_CUDA) {
  Case c = make_case(kCPU, 3, 4);
  Case cpu = copy_of(c, kCPU), gpu = copy_of(c, cuda_device());
  OptimTable cpu_table, gpu_table;
  AdamStep o{.lr = 1e-2, .weight_decay = 0.01, .amsgrad = true, .step = 1};
  for (int step = 1; step <= 3; ++step) {  // later steps reuse the uploaded table
    o.step = step;
    adam_step_(cpu.params, cpu.grads, cpu.state, o, cpu_table);
    adam_step_(gpu.params, gpu.grads, gpu.state, o, gpu_table);
  }
  for (size_t i = 0; i < c.params.size(); ++i)
    EXPECT_ALL_CLOSE(gpu.params[i].to(kCPU), cpu.params[i], 1e-12, 1e-14);
}

}  // namespace
