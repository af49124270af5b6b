#include "nn/module.h"

#include <sstream>
#include <unordered_set>

#include "engine/autograd.h"

namespace tessel::nn {

namespace {

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string join_keys(const std::vector<std::string>& keys) {
  std::string s;
  for (const std::string& k : keys) s += (s.empty() ? "'" : ", '") + k + "'";
  return s;
}

// Indents every line but the first by two spaces (PyTorch's _addindent).
std::string add_indent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor&) {
  TESSEL_FAIL(type_name_,
              " has no forward(const Tensor&): a module with other inputs or outputs is called "
              "through its own method");
}

void Module::check_new_name(const std::string& name, const char* what) const {
  TESSEL_CHECK(!name.empty(), type_name_, ": ", what, " name is empty");
  TESSEL_CHECK(name.find('.') == std::string::npos, type_name_, ": ", what, " name '", name,
               "' contains '.'");
  bool taken = children_.contains(name);
  for (const Slot& s : parameters_) taken |= s.name == name;
  for (const Slot& s : buffers_) taken |= s.name == name;
  TESSEL_CHECK(!taken, type_name_, ": cannot register ", what, " '", name,
               "': the name is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_new_name(name, "parameter");
  if (t.defined()) {
    if (!t.is_leaf()) t = t.detach();
    t.requires_grad_(requires_grad);
  }
  parameters_.push_back({name, t, true});
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_new_name(name, "buffer");
  buffers_.push_back({name, t, persistent});
  return t;
}

void Module::register_module_impl(const std::string& name, ModulePtr module) {
  check_new_name(name, "module");
  TESSEL_CHECK(module != nullptr, type_name_, ": module '", name, "' is null");
  children_.insert(name, std::move(module));
}

void Module::replace_module_impl(const std::string& name, ModulePtr module) {
  TESSEL_CHECK(children_.contains(name), type_name_, ": no child module '", name, "' to replace");
  TESSEL_CHECK(module != nullptr, type_name_, ": replacement for '", name, "' is null");
  children_.at(name) = std::move(module);
}

void Module::walk(const std::string& prefix,
                  const std::function<void(const std::string&, const Module&)>& fn,
                  bool unique) const {
  std::unordered_set<const Module*> seen;
  std::function<void(const std::string&, const Module&)> visit = [&](const std::string& p,
                                                                     const Module& m) {
    if (unique && !seen.insert(&m).second) return;
    fn(p, m);
    for (const auto& [name, child] : m.children_) visit(join_name(p, name), *child);
  };
  visit(prefix, *this);
}

OrderedDict<Tensor> Module::named_slots(std::vector<Slot> Module::*slots, bool recurse) const {
  OrderedDict<Tensor> out;
  std::unordered_set<const TensorImpl*> seen;
  auto add = [&](const std::string& prefix, const Module& m) {
    for (const Slot& s : m.*slots)
      if (s.tensor.defined() && seen.insert(s.tensor.impl().get()).second)
        out.insert(join_name(prefix, s.name), s.tensor);
  };
  if (recurse)
    walk("", add, true);
  else
    add("", *this);
  return out;
}

OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
  return named_slots(&Module::parameters_, recurse);
}

OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
  return named_slots(&Module::buffers_, recurse);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  return named_parameters(recurse).values();
}
std::vector<Tensor> Module::buffers(bool recurse) const {
  return named_buffers(recurse).values();
}
OrderedDict<ModulePtr> Module::named_children() const {
  return children_;
}
std::vector<ModulePtr> Module::children() const {
  return children_.values();
}

OrderedDict<ModulePtr> Module::named_modules() const {
  OrderedDict<ModulePtr> out;
  // This module: owned when held by a shared_ptr, else a non-owning alias.
  ModulePtr self = std::const_pointer_cast<Module>(weak_from_this().lock());
  if (!self) self = ModulePtr(ModulePtr(), const_cast<Module*>(this));
  out.insert("", self);
  // Descendants through their parents' shared_ptrs, each module once.
  std::unordered_set<const Module*> seen{this};
  std::function<void(const std::string&, const Module&)> visit = [&](const std::string& p,
                                                                     const Module& m) {
    for (const auto& [name, child] : m.children_) {
      if (!seen.insert(child.get()).second) continue;
      std::string full = join_name(p, name);
      out.insert(full, child);
      visit(full, *child);
    }
  };
  visit("", *this);
  return out;
}

std::vector<ModulePtr> Module::modules() const {
  return named_modules().values();
}

ModulePtr Module::get_submodule(const std::string& path) const {
  ModulePtr m = named_modules().at("");
  size_t start = 0;
  while (!path.empty() && start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string name = path.substr(start, dot == std::string::npos ? dot : dot - start);
    const ModulePtr* child = m->children_.find(name);
    TESSEL_CHECK(child != nullptr, type_name_, ": no submodule '", path, "' (", m->type_name_,
                 " has no child '", name, "')");
    m = *child;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return m;
}

namespace {
// Splits "a.b.c" into ("a.b", "c").
std::pair<std::string, std::string> split_last(const std::string& path) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos) return {"", path};
  return {path.substr(0, dot), path.substr(dot + 1)};
}
}  // namespace

Tensor Module::get_parameter(const std::string& path) const {
  auto [owner, name] = split_last(path);
  ModulePtr m = get_submodule(owner);
  for (const Slot& s : m->parameters_)
    if (s.name == name && s.tensor.defined()) return s.tensor;
  TESSEL_FAIL(type_name_, ": no parameter '", path, "'");
}

Tensor Module::get_buffer(const std::string& path) const {
  auto [owner, name] = split_last(path);
  ModulePtr m = get_submodule(owner);
  for (const Slot& s : m->buffers_)
    if (s.name == name && s.tensor.defined()) return s.tensor;
  TESSEL_FAIL(type_name_, ": no buffer '", path, "'");
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (const Tensor& p : parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::apply_to_tensors(const std::function<Tensor(const Tensor&)>& convert) {
  NoGradGuard no_grad;
  std::unordered_set<const TensorImpl*> done;
  auto move = [&](const Tensor& t) {
    if (!t.defined() || !done.insert(t.impl().get()).second) return;
    Tensor(t.impl()).set_data(convert(t.detach()));
    Tensor g = t.grad();
    if (g.defined()) g.set_data(convert(g));
  };
  walk(
      "",
      [&](const std::string&, const Module& m) {
        for (const Slot& s : m.parameters_) move(s.tensor);
        for (const Slot& s : m.buffers_) move(s.tensor);
      },
      true);
}

void Module::to(Device device) {
  apply_to_tensors([&](const Tensor& t) { return t.to(device); });
}

void Module::to(DType dtype) {
  TESSEL_CHECK(is_floating(dtype), type_name_, ".to: dtype ", dtype,
               " is not floating point; modules convert only their floating-point tensors");
  apply_to_tensors([&](const Tensor& t) { return is_floating(t.dtype()) ? t.to(dtype) : t; });
}

void Module::to(Device device, DType dtype) {
  to(dtype);
  to(device);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    if (set_to_none)
      p.set_grad(Tensor());
    else if (p.grad().defined())
      p.grad().zero_();
  }
}

StateDict Module::state_dict() const {
  StateDict out;
  walk(
      "",
      [&](const std::string& prefix, const Module& m) {
        for (const Slot& s : m.parameters_)
          if (s.tensor.defined()) out.insert(join_name(prefix, s.name), s.tensor.detach());
        for (const Slot& s : m.buffers_)
          if (s.tensor.defined() && s.persistent)
            out.insert(join_name(prefix, s.name), s.tensor.detach());
      },
      false);
  return out;
}

IncompatibleKeys Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict own = state_dict();
  IncompatibleKeys result;
  for (const auto& [key, t] : own)
    if (!dict.contains(key)) result.missing_keys.push_back(key);
  for (const auto& [key, t] : dict)
    if (!own.contains(key)) result.unexpected_keys.push_back(key);
  if (strict && !result.empty()) {
    std::string msg;
    if (!result.missing_keys.empty())
      msg += "missing key(s) in state_dict: " + join_keys(result.missing_keys) + ". ";
    if (!result.unexpected_keys.empty())
      msg += "unexpected key(s) in state_dict: " + join_keys(result.unexpected_keys) + ". ";
    TESSEL_FAIL("Error(s) in loading state_dict for ", type_name_, ": ", msg);
  }
  // Every shape is checked before anything is copied, so a failed load changes nothing.
  for (const auto& [key, dst] : own) {
    const Tensor* src = dict.find(key);
    TESSEL_CHECK(!src || (src->defined() && src->sizes() == dst.sizes()),
                 "Error(s) in loading state_dict for ", type_name_, ": size mismatch for ", key,
                 ": copying a tensor with shape ",
                 src && src->defined() ? shape_str(src->sizes()) : std::string("(undefined)"),
                 " from the state_dict, the shape in the current model is ",
                 shape_str(dst.sizes()));
  }
  NoGradGuard no_grad;
  for (auto& [key, dst] : own)
    if (const Tensor* src = dict.find(key)) dst.copy_(*src);
  return result;
}

std::string Module::summary() const {
  std::vector<std::string> lines;
  std::string extra = extra_repr();
  size_t extra_lines = 0;
  if (!extra.empty()) {
    std::istringstream is(extra);
    for (std::string l; std::getline(is, l);) lines.push_back(l), ++extra_lines;
  }
  for (const auto& [name, child] : children_)
    lines.push_back("(" + name + "): " + add_indent(child->summary()));
  std::string s = type_name_ + "(";
  if (extra_lines == 1 && lines.size() == 1) {
    s += lines[0];
  } else if (!lines.empty()) {
    for (const std::string& l : lines) s += "\n  " + l;
    s += "\n";
  }
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  return os << m.summary();
}

}  // namespace tessel::nn
