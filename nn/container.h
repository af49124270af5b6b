// Containers (Sequential, ModuleList, ModuleDict) and Identity, as in torch.nn. Children are
// shared_ptrs; Sequential and ModuleList name them "0", "1", ... so state dicts match PyTorch's.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace tessel::nn {

// Returns its input.
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

// Calls its children in order, each on the previous one's output:
//   auto net = std::make_shared<nn::Sequential>(std::initializer_list<ModulePtr>{
//       std::make_shared<nn::Conv2d>(3, 16, 3), std::make_shared<nn::ReLU>()});
// or, with names (PyTorch's Sequential(OrderedDict(...))):
//   nn::Sequential({{"conv", conv}, {"relu", relu}})
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<ModulePtr> modules);
  explicit Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named);

  // Appends under the next index as name, or under `name`.
  template <typename M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
    return register_module(std::to_string(size()), std::move(m));
  }
  template <typename M>
  std::shared_ptr<M> push_back(const std::string& name, std::shared_ptr<M> m) {
    return register_module(name, std::move(m));
  }
  const ModulePtr& operator[](size_t i) const;
  size_t size() const { return child_modules().size(); }
  bool empty() const { return size() == 0; }

  Tensor forward(const Tensor& x) override;
};

// Holds modules by index; has no forward of its own (the owner decides how to call them).
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<ModulePtr> modules);

  template <typename M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
    return register_module(std::to_string(size()), std::move(m));
  }
  const ModulePtr& operator[](size_t i) const;
  size_t size() const { return child_modules().size(); }
  bool empty() const { return size() == 0; }
  std::vector<ModulePtr> values() const { return children(); }
};

// Holds modules by name, in insertion order.
class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  explicit ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& named);

  template <typename M>
  std::shared_ptr<M> insert(const std::string& name, std::shared_ptr<M> m) {
    return register_module(name, std::move(m));
  }
  const ModulePtr& operator[](const std::string& name) const { return child_modules().at(name); }
  bool contains(const std::string& name) const { return child_modules().contains(name); }
  size_t size() const { return child_modules().size(); }
  bool empty() const { return size() == 0; }
  std::vector<std::string> keys() const { return child_modules().keys(); }
  const std::vector<std::pair<std::string, ModulePtr>>& items() const {
    return child_modules().items();
  }
};

}  // namespace tessel::nn
