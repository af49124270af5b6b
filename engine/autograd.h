// Define-by-run reverse-mode autograd.
//
// An op whose inputs require grad (and grad mode is on) gives its result a Node: one edge per
// input (the input's own grad_fn, a leaf's gradient accumulator, or nothing) and a rule that
// owns what its backward reads. Tensor::backward() orders the reachable nodes topologically,
// runs them from the root, sums the gradients arriving at each node, accumulates into leaves'
// .grad, and drops each rule (freeing its saved tensors) unless retain_graph is set.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "engine/trace.h"

namespace tessel {

// Grad mode is per thread; NoGradGuard turns recording off for a scope.
bool grad_mode_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// A tensor kept for backward. It holds a detached alias (so an op's own output can be saved
// without a reference cycle) and the storage version at save time: reading it after an
// in-place write throws instead of returning wrong gradients.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t);  // NOLINT: saving is the point
  Tensor get() const;
  bool defined() const { return tensor_.defined(); }

 private:
  Tensor tensor_;
  uint64_t version_ = 0;
};

// One recorded op: its inputs' edges and the rule that turns the output's gradient into theirs.
// A leaf's gradient accumulator is a Node too, with `leaf` set and no rule.
struct Node {
  // One gradient per input (undefined where none is needed) from the output gradient. The rule
  // owns what backward reads (SavedTensors, shapes, scalars): dropping it frees them.
  using Rule = std::function<std::vector<Tensor>(const Tensor& grad_out, const Node& self)>;

  const char* op = "";                      // the forward op: "Conv2d", "relu"
  std::vector<std::shared_ptr<Node>> next;  // one per input; null where no gradient is needed
  Rule rule;
  std::shared_ptr<TensorImpl> leaf;  // set only on a leaf's gradient accumulator
  bool released = false;             // the rule was dropped after a backward

  bool needs_grad(size_t input) const { return input < next.size() && next[input] != nullptr; }
  bool accumulates() const { return leaf != nullptr; }
  // "Conv2dBackward", or "AccumulateGrad" for a leaf: for error messages.
  std::string name() const;
};

// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
inline bool any_requires_grad(const Tensor& a) {
  return any_requires_grad({&a});
}
inline bool any_requires_grad(const Tensor& a, const Tensor& b) {
  return any_requires_grad({&a, &b});
}
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Gives `out` a node with an edge per input when grad mode is on and an input requires grad,
// and returns it (else nullptr) for the caller to set its rule, saving only what the needed
// gradients read:
//   if (Node* n = record(y, "Conv2d", {x, w, b}))
//     n->rule = [s, xs = SavedTensor(n->needs_grad(1) ? xc : Tensor())](const Tensor& g,
//                                                                         const Node& self) {...};
// It is also where an open trace (engine/trace.h) sees the op: `details`, run only then, gives
// its attributes and any tensors it reads or writes beyond `inputs` and `out`.
Node* record(Tensor& out, const char* op, const std::vector<Tensor>& inputs,
             trace::DetailsFn details = {});

// Runs `hook` each time a backward has summed every gradient reaching the leaf `t` into its
// .grad (torch's register_post_accumulate_grad_hook), for as long as the returned handle lives:
// data-parallel training starts reducing a gradient as soon as it is final.
using GradHook = std::shared_ptr<const std::function<void()>>;
[[nodiscard]] GradHook add_post_accumulate_hook(const Tensor& t, std::function<void()> hook);
// From inside a backward (a hook): runs `fn` once that backward has finished, after every
// gradient is accumulated (torch's queue_callback).
void queue_backward_callback(std::function<void()> fn);

// Runs backward from `roots` with the given output gradients.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph);

}  // namespace tessel
