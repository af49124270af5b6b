// Optimizer updates over lists of tensors, one call per list (PyTorch's multi_tensor_apply): the
// element math below is shared by the CPU loop and the CUDA kernel, which runs one block per
// chunk of kOptimChunk elements of any tensor of the list, so one launch updates them all.
//
// Parameters and gradients have type T; state buffers have acc_t<T> (f32 for 16-bit parameters)
// and so does the math. The formulas and their order of operations are PyTorch's (torch.optim's
// single-tensor paths), so f64 results agree with it to rounding.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

inline constexpr int64_t kOptimChunk = 65536;

// One tensor of a list: contiguous parameter and gradient, up to three state buffers, and the
// index of its first chunk in the list (see plan_optim_chunks).
struct OptimTensor {
  void* param = nullptr;
  const void* grad = nullptr;
  void* state[3] = {nullptr, nullptr, nullptr};
  int64_t numel = 0;
  int64_t first_chunk = 0;
};

// Numbers the chunks of the list; returns how many there are.
inline int64_t plan_optim_chunks(OptimTensor* tensors, int64_t n) {
  int64_t chunks = 0;
  for (int64_t i = 0; i < n; ++i) {
    tensors[i].first_chunk = chunks;
    chunks += (tensors[i].numel + kOptimChunk - 1) / kOptimChunk;
  }
  return chunks;
}

// The tensor that chunk c belongs to: the last one whose first chunk is at most c (empty tensors
// own no chunk), and the element range [begin, end) of the chunk.
TESSEL_HD const OptimTensor& optim_chunk(const OptimTensor* tensors, int64_t n, int64_t c,
                                         int64_t& begin, int64_t& end) {
  int64_t lo = 0, hi = n - 1;
  while (lo < hi) {
    int64_t mid = (lo + hi + 1) / 2;
    if (tensors[mid].first_chunk <= c)
      lo = mid;
    else
      hi = mid - 1;
  }
  const OptimTensor& t = tensors[lo];
  begin = (c - t.first_chunk) * kOptimChunk;
  end = begin + kOptimChunk < t.numel ? begin + kOptimChunk : t.numel;
  return t;
}

// SGD. State: the momentum buffer (when momentum != 0), written whole on the first step.
struct SgdHyper {
  double lr, weight_decay, momentum, dampening;
  bool nesterov, first_step;
};

template <typename C>
TESSEL_HD C sgd_update(C p, C g, C* buf, const SgdHyper& h) {
  C d = h.weight_decay != 0 ? g + C(h.weight_decay) * p : g;
  if (h.momentum != 0) {
    C b = h.first_step ? d : *buf * C(h.momentum) + C(1 - h.dampening) * d;
    *buf = b;
    d = h.nesterov ? d + C(h.momentum) * b : b;
  }
  return p - C(h.lr) * d;
}

// Adam / AdamW / Padam. State: exp_avg, exp_avg_sq, and max_exp_avg_sq when amsgrad. The
// denominator is (v_hat)^partial + eps; for partial = 1/2 it is computed as PyTorch does,
// sqrt(v) / sqrt(1 - beta2^t) + eps. kPartial picks pow() at compile time: were the choice made
// per element, the vectorised CPU loop would evaluate both (10x slower).
struct AdamHyper {
  double lr, weight_decay, beta1, beta2, eps, partial;
  bool amsgrad, decoupled;
  double bias_correction1, bias_correction2;  // 1 - beta^step
};

template <bool kPartial, typename C>
TESSEL_HD C adam_update(C p, C g, C* m, C* v, C* vmax, const AdamHyper& h) {
  using std::pow, std::sqrt;
  if (h.decoupled)
    p = p * C(1 - h.lr * h.weight_decay);
  else if (h.weight_decay != 0)
    g = g + C(h.weight_decay) * p;
  C m1 = *m * C(h.beta1) + C(1 - h.beta1) * g;
  C v1 = *v * C(h.beta2) + C(1 - h.beta2) * g * g;
  *m = m1;
  *v = v1;
  if (h.amsgrad) {
    v1 = *vmax > v1 ? *vmax : v1;
    *vmax = v1;
  }
  C denom;
  if constexpr (kPartial)
    denom = pow(v1, C(h.partial)) / C(pow(h.bias_correction2, h.partial));
  else
    denom = sqrt(v1) / C(sqrt(h.bias_correction2));
  return p - C(h.lr / h.bias_correction1) * m1 / (denom + C(h.eps));
}

// Element i of tensor t, for parameters of type T: what both backends run per element.
template <typename T>
struct SgdStep {
  SgdHyper h;
  TESSEL_HD void operator()(const OptimTensor& t, int64_t i) const {
    using C = acc_t<T>;
    T* p = static_cast<T*>(t.param);
    C* buf = static_cast<C*>(t.state[0]);
    p[i] = T(sgd_update(C(p[i]), C(static_cast<const T*>(t.grad)[i]), buf ? buf + i : nullptr, h));
  }
};

template <typename T, bool kPartial>
struct AdamFamilyStep {
  AdamHyper h;
  TESSEL_HD void operator()(const OptimTensor& t, int64_t i) const {
    using C = acc_t<T>;
    T* p = static_cast<T*>(t.param);
    C *m = static_cast<C*>(t.state[0]), *v = static_cast<C*>(t.state[1]);
    C* vmax = static_cast<C*>(t.state[2]);
    p[i] = T(adam_update<kPartial>(C(p[i]), C(static_cast<const T*>(t.grad)[i]), m + i, v + i,
                                   vmax ? vmax + i : nullptr, h));
  }
};

template <typename T>
using AdamStep = AdamFamilyStep<T, false>;
template <typename T>
using PadamStep = AdamFamilyStep<T, true>;

// `tensors` is a host array of n entries (first_chunk filled), `type` the parameters' dtype.
void sgd_step(const CpuContext&, DType type, const SgdHyper& h, const OptimTensor* tensors,
              int64_t n, int64_t chunks);
void adam_step(const CpuContext&, DType type, const AdamHyper& h, const OptimTensor* tensors,
               int64_t n, int64_t chunks);
// `tensors` is a device array (the same entries); one launch of `chunks` blocks.
void sgd_step(const CudaContext&, DType type, const SgdHyper& h, const OptimTensor* tensors,
              int64_t n, int64_t chunks);
void adam_step(const CudaContext&, DType type, const AdamHyper& h, const OptimTensor* tensors,
               int64_t n, int64_t chunks);

}  // namespace tessel::kernels
