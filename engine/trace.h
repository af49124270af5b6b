// The tracer: while a trace::Scope is open on a thread, every op that reports its result through
// record() (engine/autograd.h) is also appended to the scope: its name, its input and output
// tensors, its attributes and the stack of module scopes open around it. Exporters turn the list
// into another framework's graph (export/onnx.h).
//
// Outside a scope the cost is one branch per op: record() tests trace::active() and builds
// nothing; an op's attributes are a callable it hands record(), run only while tracing. Tracing
// creates no autograd node and changes no result.
//
// Identity: a value is its view of memory (storage, offset, sizes, strides, dtype), so a detached
// alias (x.detach()) is the same value as x; trace::key() gives it, naming the storage by its
// id, which no later storage reuses. An op's record keeps the tensors only of inputs no traced op
// wrote (parameters, buffers, constants the forward made, the model's input): the values an
// exporter writes out. What ops write is kept as key, shape and dtype, so a traced forward frees
// its activations as an untraced one does.
//
// An op composed of other ops either leaves the recording to them or records itself last; the
// ops it ran inside then appear before it with outputs nothing else reads. Consumers drop ops
// whose outputs are not used (trace::live_ops).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/tensor.h"

namespace tessel::trace {

using Attr = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

// What an op adds to its record() call when tracing: attributes (stride, axis, eps), and the
// tensors beyond record()'s inputs and output that the op reads or writes (batch norm's running
// statistics, max pooling's indices).
struct Details {
  std::vector<std::pair<std::string, Attr>> attrs;
  std::vector<Tensor> inputs, outputs;
};

// A non-owning reference to a callable returning Details, run only while tracing; it must
// outlive the record() call it is passed to (a lambda written in the call does).
class DetailsFn {
 public:
  DetailsFn() = default;
  template <class F>
  DetailsFn(const F& f)  // NOLINT: implicit, so that a lambda can be passed as is
      : fn_(&f), call_([](const void* fn) { return (*static_cast<const F*>(fn))(); }) {}
  Details operator()() const { return call_ ? call_(fn_) : Details{}; }

 private:
  const void* fn_ = nullptr;
  Details (*call_)(const void*) = nullptr;
};

// A value's identity: equal for tensors that view the same memory the same way.
struct Key {
  uint64_t storage;  // Storage::id()
  int64_t offset;
  Shape sizes, strides;
  DType dtype;
  bool operator==(const Key&) const = default;
};
Key key(const Tensor& t);
struct KeyHash {
  size_t operator()(const Key& k) const;
};

// A value an op read or wrote.
struct Value {
  bool defined = false;  // false: an undefined input (a convolution without bias)
  Key key{};
  Tensor data;  // only for inputs no traced op wrote before
  const Shape& sizes() const { return key.sizes; }
  int64_t size(int64_t d) const;
  DType dtype() const { return key.dtype; }
};

struct Op {
  std::string name;                                 // record()'s name: "Conv2d", "relu"
  std::vector<Value> inputs, outputs;               // undefined inputs stay, as placeholders
  std::vector<std::pair<std::string, Attr>> attrs;  // in the order the op gave them
  std::vector<const void*> modules;                 // module scopes, outermost first

  const Attr& attr(const std::string& key) const;  // throws naming the op when absent
};

struct Recorder;
namespace detail {
extern thread_local Recorder* current;
void add(const char* name, const std::vector<Tensor>& inputs, const Tensor& output,
         DetailsFn details);
}  // namespace detail

inline bool active() {
  return detail::current != nullptr;
}

// Called by record(): appends the op to the open scope.
inline void on_record(const char* name, const std::vector<Tensor>& inputs, const Tensor& output,
                      DetailsFn details) {
  if (active()) [[unlikely]]
    detail::add(name, inputs, output, details);
}

// Opens a trace on this thread until destroyed; scopes do not nest.
class Scope {
 public:
  Scope();
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  const std::vector<Op>& ops() const;

 private:
  std::unique_ptr<Recorder> recorder_;
};

// Marks the ops recorded while it lives as called by `module` (any stable pointer the exporter
// can name, e.g. an nn::Module). Free when no trace is open.
class ModuleScope {
 public:
  explicit ModuleScope(const void* module);
  ~ModuleScope();
  ModuleScope(const ModuleScope&) = delete;
  ModuleScope& operator=(const ModuleScope&) = delete;

 private:
  bool pushed_;
};

// The ops that the `outputs` depend on, in recorded order (dead ops dropped).
std::vector<const Op*> live_ops(const std::vector<Op>& ops, const std::vector<Tensor>& outputs);

}  // namespace tessel::trace
