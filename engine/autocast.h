// Mixed precision by scope, as torch.autocast: inside an AutocastGuard(DType::BF16) the ops that
// gain from 16-bit inputs (convolutions, matrix products) cast their floating inputs to that
// dtype, and the ops whose results need range or precision (losses, softmax, layer and group
// norm) cast 16-bit inputs up to f32. Every other op runs in the dtype it is given: batch norm,
// activations, pooling and upsampling take 16-bit activations and accumulate in f32 on their own,
// so activations stay 16-bit from one convolution to the next. The casts are recorded ops, so
// gradients flow back to the f32 parameters in f32. Backward runs with autocast off.
//
//   { AutocastGuard autocast(DType::BF16); loss = criterion(model(x), y); }
//   loss.backward();
//
// The CPU backend computes in f32/f64 only; there autocast can lower f64 to f32, which is how the
// tests exercise this policy without a GPU.
#pragma once

#include <initializer_list>
#include <optional>

#include "engine/tensor.h"

namespace tessel {

class AutocastGuard {
 public:
  // std::nullopt turns autocast off for the scope.
  explicit AutocastGuard(std::optional<DType> dtype);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  std::optional<DType> previous_;
};

// The dtype of the innermost AutocastGuard on this thread, if any.
std::optional<DType> autocast_dtype();

// For the lowering ops: true when autocast is on and a defined floating tensor among `ts` has
// another dtype than autocast's; autocast_lower then casts one tensor (undefined stays undefined).
bool autocast_lowers(std::initializer_list<const Tensor*> ts);
Tensor autocast_lower(const Tensor& t);

// For the f32 ops: true when autocast is on and a tensor among `ts` is f16 or bf16;
// autocast_widen then casts one tensor to f32 (others are returned as they are).
bool autocast_widens(std::initializer_list<const Tensor*> ts);
Tensor autocast_widen(const Tensor& t);

}  // namespace tessel
