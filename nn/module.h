// Module: the base of every layer and model, after torch.nn.Module.
//
// A module owns named parameters (tensors that train), buffers (state that does not, such as
// BatchNorm's running statistics) and child modules, each in registration order. Names are
// PyTorch's: a child's tensors are prefixed with its name and a dot ("layer1.0.conv1.weight"), so
// state dicts move between Tessel and PyTorch unchanged (through safetensors files).
//
// Ownership: modules are held by std::shared_ptr, as in torch::nn; a parent keeps shared_ptrs to
// its children, and a layer keeps its parameters as Tensor members that share their TensorImpl
// with the registry:
//
//   struct Block : nn::Module {
//     std::shared_ptr<nn::Conv2d> conv;
//     std::shared_ptr<nn::BatchNorm2d> bn;
//     Block(int64_t c) : Module("Block") {
//       conv = register_module("conv", std::make_shared<nn::Conv2d>(c, c, 3, 1, 1));
//       bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(c));
//     }
//     Tensor forward(const Tensor& x) override { return relu(bn->forward(conv->forward(x))); }
//   };
//   auto net = std::make_shared<Block>(16);
//
// Because those handles are shared, everything that changes a module's tensors does it in place
// (to(), load_state_dict(), the optimizers): every handle keeps seeing the current data. Never
// reassign a registered member (`weight = ...`); use weight.set_data(t) or load_state_dict().
//
// Forward convention: a single-input module overrides `Tensor forward(const Tensor&)`, which is
// what Sequential calls (the base version throws). A module with several inputs (a loss taking
// input and target, a decoder taking skip connections) declares its own overload, e.g.
// `Tensor forward(const Tensor& input, const Tensor& target)`, with `using Module::forward;` so the
// base overload stays visible; a module with several outputs (a segmentation model's "out" and
// "aux") gives that method another name, since a return type cannot be overloaded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "engine/trace.h"

namespace tessel::nn {

// Keys in insertion order with hashed lookup (PyTorch's OrderedDict). Inserting an existing key
// throws; iteration yields std::pair<std::string, V>.
template <typename V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;

  OrderedDict() = default;
  OrderedDict(std::initializer_list<Item> items) {
    for (const Item& it : items) insert(it.first, it.second);
  }

  V& insert(std::string key, V value) {
    TESSEL_CHECK(!contains(key), "OrderedDict: key '", key, "' is already present");
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().second;
  }
  // Inserts, or replaces the value of an existing key in place (keeping its position).
  V& insert_or_assign(std::string key, V value) {
    if (V* v = find(key)) return *v = std::move(value);
    return insert(std::move(key), std::move(value));
  }
  V* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  V& at(const std::string& key) { return const_cast<V&>(std::as_const(*this).at(key)); }
  const V& at(const std::string& key) const {
    const V* v = find(key);
    TESSEL_CHECK(v != nullptr, "OrderedDict: no key '", key, "'");
    return *v;
  }
  V& operator[](const std::string& key) { return at(key); }
  const V& operator[](const std::string& key) const { return at(key); }

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<Item>& items() const { return items_; }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const Item& it : items_) k.push_back(it.first);
    return k;
  }
  std::vector<V> values() const {
    std::vector<V> v;
    for (const Item& it : items_) v.push_back(it.second);
    return v;
  }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

// Parameters and persistent buffers by dotted name, in registration order.
using StateDict = OrderedDict<Tensor>;

// What a non-strict load_state_dict() could not match (PyTorch's _IncompatibleKeys).
struct IncompatibleKeys {
  std::vector<std::string> missing_keys;     // expected by the module, absent from the dict
  std::vector<std::string> unexpected_keys;  // in the dict, unknown to the module
  bool empty() const { return missing_keys.empty() && unexpected_keys.empty(); }
};

class Module;
using ModulePtr = std::shared_ptr<Module>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `type_name` is what summary() prints ("Conv2d", "Sequential", "ResNet").
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& type_name() const { return type_name_; }

  // --- Forward (see the convention at the top of this file).
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }
  // Marks the ops a forward runs as this module's in an open trace (engine/trace.h); layers
  // open it first thing in forward: `auto scope = trace_scope();`.
  trace::ModuleScope trace_scope() const { return trace::ModuleScope(this); }

  // --- Registration. Names are non-empty, contain no '.', and are unique within this module
  // across parameters, buffers and children (else these throw).
  // A parameter: requires_grad is set to `requires_grad`. An undefined tensor registers the name
  // with no value (PyTorch's `bias=None`): it is skipped by every listing and by state_dict().
  // Returns a handle sharing the registered tensor.
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  // A buffer: saved in state_dict() unless `persistent` is false; never requires grad.
  Tensor register_buffer(const std::string& name, Tensor t, bool persistent = true);
  // A child module; returns it, with its own type, so that a member can be set in one line.
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    register_module_impl(name, module);
    return module;
  }
  // Swaps the child registered as `name` for another (a new head on a pretrained backbone).
  // Members that pointed at the old child must be reassigned by the caller.
  template <typename M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    replace_module_impl(name, module);
    return module;
  }

  // --- Listing, in registration order; children's entries follow this module's own, depth first.
  // Tensors shared by several names (tied weights) appear once, under their first name, in
  // named_parameters()/parameters()/named_buffers()/buffers() (but under every name in
  // state_dict(), as in PyTorch).
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<ModulePtr> named_children() const;
  std::vector<ModulePtr> children() const;
  // This module (name "") and every descendant, each module once. The entry for this module is a
  // non-owning pointer when it is not itself held by a shared_ptr.
  OrderedDict<ModulePtr> named_modules() const;
  std::vector<ModulePtr> modules() const;
  // By dotted path ("layer1.0.conv1", "layer1.0.conv1.weight"); throw naming the path if absent.
  ModulePtr get_submodule(const std::string& path) const;
  Tensor get_parameter(const std::string& path) const;
  Tensor get_buffer(const std::string& path) const;
  // Elements in the (distinct) parameters; only those that require grad when `trainable_only`.
  int64_t num_parameters(bool trainable_only = false) const;

  // The module casted to a layer type, or nullptr: `if (auto* bn = m->as<nn::BatchNorm2d>())`.
  template <typename M>
  M* as() {
    return dynamic_cast<M*>(this);
  }
  template <typename M>
  const M* as() const {
    return dynamic_cast<const M*>(this);
  }

  // Calls fn on every module, children first then this one (PyTorch's apply), e.g. to initialise
  // every Conv2d of a model.
  void apply(const std::function<void(Module&)>& fn);

  // --- Modes. train(on) sets the flag of this module and every descendant; layers whose
  // behaviour differs (Dropout, BatchNorm) read is_training() in forward. Virtual so that a
  // module can react (e.g. keep a frozen BatchNorm in eval mode).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // --- Moving. In place: every parameter, buffer and gradient is replaced by its copy on
  // `device` / in `dtype` through Tensor::set_data, so all handles follow. to(dtype) converts only
  // floating-point tensors (num_batches_tracked stays i64) and takes a floating dtype, as PyTorch.
  void to(Device device);
  void to(DType dtype);
  void to(Device device, DType dtype);

  // --- Gradients. set_to_none (PyTorch's default) drops the .grad tensors; otherwise they are
  // zeroed in place.
  void zero_grad(bool set_to_none = true);

  // --- State. state_dict(): parameters then persistent buffers of each module, depth first, by
  // dotted name; the tensors are detached aliases of the module's own (not copies).
  StateDict state_dict() const;
  // Copies each matching tensor into the module's own in place (converting dtype and device).
  // A shape mismatch throws naming the key and both shapes. strict: missing or unexpected keys
  // throw, listing them all; otherwise they are returned and everything else is loaded.
  IncompatibleKeys load_state_dict(const StateDict& dict, bool strict = true);

  // --- Printing. summary() is PyTorch's repr:
  //   Sequential(
  //     (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  //     (1): ReLU(inplace=False)
  //   )
  // A layer describes its configuration by overriding extra_repr() (PyTorch's name).
  std::string summary() const;
  virtual std::string extra_repr() const { return ""; }

 protected:
  // This module's children, for containers that iterate them on every forward.
  const OrderedDict<ModulePtr>& child_modules() const { return children_; }
  bool training_ = true;

 private:
  struct Slot {
    std::string name;
    Tensor tensor;
    bool persistent = true;
  };
  void check_new_name(const std::string& name, const char* what) const;
  void register_module_impl(const std::string& name, ModulePtr module);
  void replace_module_impl(const std::string& name, ModulePtr module);
  // Visits (dotted name, module) for this module and its descendants; each module once when
  // `unique`.
  void walk(const std::string& prefix,
            const std::function<void(const std::string&, const Module&)>& fn, bool unique) const;
  void apply_to_tensors(const std::function<Tensor(const Tensor&)>& convert);
  // Every defined tensor of `slots` (parameters_ or buffers_), each tensor once, by dotted name.
  OrderedDict<Tensor> named_slots(std::vector<Slot> Module::*slots, bool recurse) const;

  std::string type_name_;
  std::vector<Slot> parameters_, buffers_;
  OrderedDict<ModulePtr> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace tessel::nn
