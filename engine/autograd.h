// Define-by-run reverse-mode autograd.
//
// An op whose inputs require grad (and grad mode is on) gives its result a Node: the node keeps
// what its backward needs and one edge per input (the input's own grad_fn, a leaf's
// AccumulateGrad, or nothing). Tensor::backward() orders the reachable nodes topologically,
// runs them from the root, sums the gradients arriving at each node, accumulates into leaves'
// .grad, and frees saved tensors unless retain_graph is set.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

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
  void reset() { tensor_ = Tensor(); }
  bool defined() const { return tensor_.defined(); }

 private:
  Tensor tensor_;
  uint64_t version_ = 0;
};

struct Node {
  virtual ~Node() = default;
  // One gradient per input (undefined where the input needs none), given the output gradient.
  virtual std::vector<Tensor> apply(const Tensor& grad_out) = 0;
  virtual std::string name() const = 0;
  // Drops saved tensors; called after backward unless the graph is retained.
  virtual void release() {}

  bool needs_grad(size_t input) const { return input < next.size() && next[input] != nullptr; }

  std::vector<std::shared_ptr<Node>> next;  // one per input
  bool released = false;
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

// Makes `node` the grad_fn of `out`, with an edge to each input.
void set_history(Tensor& out, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs);

// A node whose backward is a function: for ops whose rule is a few lines of other ops.
// Saved tensors live in `saved` (freed by release()); the function gets them back through get().
struct FunctionNode : Node {
  using Fn = std::vector<Tensor> (*)(const Tensor& grad_out, const FunctionNode& self);
  std::string op;
  Fn fn = nullptr;
  std::vector<SavedTensor> saved;
  Shape shape_a, shape_b;  // input shapes, for rules that reduce a broadcast gradient
  double scalar = 0;
  std::vector<Tensor> apply(const Tensor& g) override { return fn(g, *this); }
  std::string name() const override { return op + "Backward"; }
  void release() override { saved.clear(); }
  Tensor get(size_t i) const { return saved.at(i).get(); }
};

// Records a FunctionNode on `out` when an input requires grad; returns it (or null) so the caller
// can fill in what the rule needs.
FunctionNode* record_fn(Tensor& out, const std::vector<Tensor>& inputs, const char* op,
                        FunctionNode::Fn fn, std::vector<Tensor> saved = {});

// Runs backward from `roots` with the given output gradients.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph);

// Convenience for nodes: record a node of type N built from `args`, when needed.
//   if (auto n = record<AddBackward>(out, {a, b})) { n->alpha = alpha; }
template <typename N>
std::shared_ptr<N> record(Tensor& out, const std::vector<Tensor>& inputs) {
  if (!any_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<N>();
  set_history(out, node, inputs);
  return node;
}

}  // namespace tessel
