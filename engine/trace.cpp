#include "engine/trace.h"

#include <algorithm>
#include <unordered_set>

namespace tessel::trace {

struct Recorder {
  std::vector<Op> ops;
  std::vector<const void*> modules;
};

namespace detail {
thread_local Recorder* current = nullptr;

void add(const char* name, const std::vector<Tensor>& inputs, const Tensor& output,
         DetailsFn details) {
  Details d = details();
  Op op{name, inputs, {output}, std::move(d.attrs), current->modules};
  op.inputs.insert(op.inputs.end(), d.inputs.begin(), d.inputs.end());
  op.outputs.insert(op.outputs.end(), d.outputs.begin(), d.outputs.end());
  current->ops.push_back(std::move(op));
}
}  // namespace detail

const Attr& Op::attr(const std::string& key) const {
  for (const auto& [k, v] : attrs)
    if (k == key) return v;
  TESSEL_FAIL("trace: op '", name, "' has no attribute '", key, "'");
}

Key key(const Tensor& t) {
  return {t.storage().get(), t.offset(), t.sizes(), t.strides(), t.dtype()};
}

size_t KeyHash::operator()(const Key& k) const {
  size_t h = std::hash<const void*>()(k.storage) ^ std::hash<int64_t>()(k.offset) * 31;
  for (int64_t s : k.sizes) h = h * 1000003 ^ std::hash<int64_t>()(s);
  return h;
}

Scope::Scope() : recorder_(std::make_unique<Recorder>()) {
  TESSEL_CHECK(detail::current == nullptr, "trace::Scope: a trace is already open on this thread");
  detail::current = recorder_.get();
}

Scope::~Scope() {
  detail::current = nullptr;
}

const std::vector<Op>& Scope::ops() const {
  return recorder_->ops;
}

ModuleScope::ModuleScope(const void* module) : pushed_(active()) {
  if (pushed_) detail::current->modules.push_back(module);
}

ModuleScope::~ModuleScope() {
  if (pushed_) detail::current->modules.pop_back();
}

std::vector<const Op*> live_ops(const std::vector<Op>& ops, const std::vector<Tensor>& outputs) {
  // Walking back from the outputs, an op is live when it writes a value still wanted; its inputs
  // are then wanted from the ops before it.
  std::unordered_set<Key, KeyHash> wanted;
  for (const Tensor& t : outputs) wanted.insert(key(t));
  std::vector<const Op*> live;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    bool needed = false;
    for (const Tensor& t : it->outputs) needed |= t.defined() && wanted.erase(key(t)) > 0;
    if (!needed) continue;
    live.push_back(&*it);
    for (const Tensor& t : it->inputs)
      if (t.defined()) wanted.insert(key(t));
  }
  std::reverse(live.begin(), live.end());
  return live;
}

}  // namespace tessel::trace
