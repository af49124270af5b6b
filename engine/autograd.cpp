#include "engine/autograd.h"

#include <algorithm>
#include <unordered_map>

#include "engine/autocast.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"

namespace tessel {

namespace {
thread_local bool g_grad_mode = true;
// The callbacks queued during the backward running on this thread; null outside one.
thread_local std::vector<std::function<void()>>* g_backward_callbacks = nullptr;

void run_post_accumulate_hooks(TensorImpl& leaf) {
  auto& hooks = leaf.post_accumulate_hooks;
  std::erase_if(hooks, [](const auto& h) { return h.expired(); });
  for (size_t i = 0; i < hooks.size(); ++i)  // a hook may add hooks: index, not iterators
    if (auto h = hooks[i].lock()) (*h)();
}

// Adds incoming gradients into a leaf's .grad (out of place: the incoming tensor may be shared
// with other branches of the graph).
void accumulate_grad(TensorImpl& leaf, const Tensor& g) {
  TESSEL_CHECK(g.sizes() == leaf.sizes, "backward: gradient of shape ", shape_str(g.sizes()),
               " for a leaf of shape ", shape_str(leaf.sizes));
  Tensor grad = g.dtype() == leaf.dtype ? g : g.to(leaf.dtype);
  if (leaf.grad) {
    leaf.grad = add(Tensor(leaf.grad), grad).impl();
  } else {
    // Keep the incoming tensor only if nothing else can see its storage.
    bool exclusive = grad.storage().use_count() == 1 && grad.impl().use_count() <= 2;
    leaf.grad = (exclusive && grad.is_contiguous() ? grad : grad.clone()).detach().impl();
  }
}

std::shared_ptr<Node> edge_of(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  if (t.grad_fn()) return t.grad_fn();
  auto& impl = *t.impl();
  if (auto acc = impl.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<Node>();
  acc->leaf = t.impl();
  impl.grad_accumulator = acc;
  return acc;
}
}  // namespace

bool grad_mode_enabled() {
  return g_grad_mode;
}
NoGradGuard::NoGradGuard() : previous_(g_grad_mode) {
  g_grad_mode = false;
}
NoGradGuard::~NoGradGuard() {
  g_grad_mode = previous_;
}

SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  tensor_ = t.detach();
  version_ = t.storage()->version();
}

Tensor SavedTensor::get() const {
  TESSEL_CHECK(tensor_.defined(),
               "backward: internal error: a backward rule read a tensor its op did not save");
  TESSEL_CHECK(tensor_.storage()->version() == version_,
               "backward: a tensor saved for backward was modified in place (version ",
               tensor_.storage()->version(), ", saved at version ", version_, ")");
  return tensor_;
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_mode) return false;
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const Tensor* t) { return t->defined() && t->requires_grad(); });
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_mode) return false;
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const Tensor& t) { return t.defined() && t.requires_grad(); });
}

std::string Node::name() const {
  return accumulates() ? "AccumulateGrad" : std::string(op) + "Backward";
}

Node* record(Tensor& out, const char* op, const std::vector<Tensor>& inputs,
             trace::DetailsFn details) {
  trace::on_record(op, inputs, out, details);
  if (!any_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<Node>();
  node->op = op;
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next.push_back(edge_of(t));
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = node;
  return node.get();
}

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph) {
  NoGradGuard no_grad;                      // backward rules are not themselves recorded
  AutocastGuard no_autocast(std::nullopt);  // gradients keep the dtypes the forward chose
  std::vector<std::function<void()>> callbacks;
  struct CallbackScope {  // restores the enclosing backward's list, also when a rule throws
    std::vector<std::function<void()>>* previous = g_backward_callbacks;
    ~CallbackScope() { g_backward_callbacks = previous; }
  } callback_scope;
  g_backward_callbacks = &callbacks;
  std::unordered_map<Node*, Tensor> pending;
  std::vector<std::shared_ptr<Node>> starts;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    TESSEL_CHECK(r.requires_grad(),
                 "backward: the tensor does not require grad and has no grad_fn");
    Tensor g = grads[i];
    if (!g.defined()) {
      TESSEL_CHECK(r.numel() == 1,
                   "backward: grad can be implicitly created only for scalar "
                   "outputs; this output has shape ",
                   shape_str(r.sizes()));
      g = ones_like(r);
    }
    TESSEL_CHECK(g.sizes() == r.sizes(), "backward: gradient shape ", shape_str(g.sizes()),
                 " does not match the output shape ", shape_str(r.sizes()));
    auto node = edge_of(r);
    auto& slot = pending[node.get()];
    slot = slot.defined() ? add(slot, g) : g;
    starts.push_back(node);
  }

  // Dependency counts: how many edges lead into each node from nodes reachable from the roots.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack;
  std::unordered_map<Node*, bool> seen;
  for (auto& s : starts)
    if (!seen[s.get()]) {
      seen[s.get()] = true;
      stack.push_back(s.get());
    }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (auto& nx : n->next) {
      if (!nx) continue;
      ++deps[nx.get()];
      if (!seen[nx.get()]) {
        seen[nx.get()] = true;
        stack.push_back(nx.get());
      }
    }
  }

  std::vector<std::shared_ptr<Node>> ready;
  for (auto& s : starts)
    if (deps[s.get()] == 0 && std::find(ready.begin(), ready.end(), s) == ready.end())
      ready.push_back(s);
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.back();
    ready.pop_back();
    TESSEL_CHECK(!node->released,
                 "backward: trying to backward through the graph a second "
                 "time (",
                 node->name(), " was freed); pass retain_graph=true the first time");
    // A node all of whose incoming branches produced no gradient still runs its bookkeeping,
    // so the nodes after it see their dependency counts reach zero.
    TESSEL_CHECK(node->accumulates() || node->rule, "backward: internal error: ", node->name(),
                 " was recorded without a backward rule");
    std::vector<Tensor> grads_in;
    if (auto it = pending.find(node.get()); it != pending.end()) {
      Tensor grad_out = std::move(it->second);
      pending.erase(it);
      if (node->accumulates()) {
        accumulate_grad(*node->leaf, grad_out);
        run_post_accumulate_hooks(*node->leaf);
      } else
        grads_in = node->rule(grad_out, *node);
    }
    if (!retain_graph && !node->accumulates()) {
      node->rule = nullptr;  // frees what the rule saved
      node->released = true;
    }
    for (size_t i = 0; i < node->next.size(); ++i) {
      const auto& nx = node->next[i];
      if (!nx) continue;
      if (i < grads_in.size() && grads_in[i].defined()) {
        auto& slot = pending[nx.get()];
        slot = slot.defined() ? add(slot, grads_in[i]) : grads_in[i];
      }
      if (--deps[nx.get()] == 0) ready.push_back(nx);
    }
  }
  for (size_t i = 0; i < callbacks.size(); ++i) callbacks[i]();  // a callback may queue another
}

GradHook add_post_accumulate_hook(const Tensor& t, std::function<void()> hook) {
  TESSEL_CHECK(t.defined() && t.requires_grad() && !t.grad_fn(),
               "add_post_accumulate_hook: the tensor must be a leaf that requires grad");
  auto h = std::make_shared<const std::function<void()>>(std::move(hook));
  t.impl()->post_accumulate_hooks.push_back(h);
  return h;
}

void queue_backward_callback(std::function<void()> fn) {
  TESSEL_CHECK(g_backward_callbacks != nullptr,
               "queue_backward_callback: called outside a backward (call it from a hook)");
  g_backward_callbacks->push_back(std::move(fn));
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const {
  run_backward({*this}, {grad}, retain_graph);
}

}  // namespace tessel
