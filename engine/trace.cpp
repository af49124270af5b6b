#include "engine/trace.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace tessel::trace {

struct Recorder {
  std::vector<Op> ops;
  std::vector<const void*> modules;
  std::unordered_set<Key, KeyHash> written;  // what the ops so far wrote

  Value input(const Tensor& t) const {
    if (!t.defined()) return {};
    Key k = key(t);
    bool keep = !written.count(k);
    return {true, std::move(k), keep ? t : Tensor()};
  }
  Value output(const Tensor& t) {
    if (!t.defined()) return {};
    Key k = key(t);
    written.insert(k);
    return {true, std::move(k), Tensor()};
  }
};

namespace detail {
thread_local Recorder* current = nullptr;

void add(const char* name, const std::vector<Tensor>& inputs, const Tensor& output,
         DetailsFn details) {
  Details d = details();
  Op op{name, {}, {}, std::move(d.attrs), current->modules};
  for (const std::vector<Tensor>* list : {&inputs, &std::as_const(d.inputs)})
    for (const Tensor& t : *list) op.inputs.push_back(current->input(t));
  op.outputs.push_back(current->output(output));
  for (const Tensor& t : d.outputs) op.outputs.push_back(current->output(t));
  current->ops.push_back(std::move(op));
}
}  // namespace detail

int64_t Value::size(int64_t d) const {
  int64_t n = int64_t(sizes().size());
  TESSEL_CHECK(d >= -n && d < n, "trace: dim ", d, " of a value of rank ", n);
  return sizes()[size_t(d < 0 ? d + n : d)];
}

const Attr& Op::attr(const std::string& key) const {
  for (const auto& [k, v] : attrs)
    if (k == key) return v;
  TESSEL_FAIL("trace: op '", name, "' has no attribute '", key, "'");
}

Key key(const Tensor& t) {
  return {t.storage() ? t.storage()->id() : ~uint64_t(0), t.offset(), t.sizes(), t.strides(),
          t.dtype()};
}

size_t KeyHash::operator()(const Key& k) const {
  size_t h = std::hash<uint64_t>()(k.storage) ^ std::hash<int64_t>()(k.offset) * 31;
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
    for (const Value& v : it->outputs) needed |= v.defined && wanted.erase(v.key) > 0;
    if (!needed) continue;
    live.push_back(&*it);
    for (const Value& v : it->inputs)
      if (v.defined) wanted.insert(v.key);
  }
  std::reverse(live.begin(), live.end());
  return live;
}

}  // namespace tessel::trace
