#include "nn/container.h"

namespace tessel::nn {

namespace {
const ModulePtr& at_index(const Module& m, const OrderedDict<ModulePtr>& children, size_t i) {
  TESSEL_CHECK(i < children.size(), m.type_name(), ": index ", i, " is out of range for ",
               children.size(), " modules");
  return children.items()[i].second;
}
}  // namespace

Sequential::Sequential(std::initializer_list<ModulePtr> modules) : Sequential() {
  for (const ModulePtr& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named) : Sequential() {
  for (const auto& [name, m] : named) push_back(name, m);
}

const ModulePtr& Sequential::operator[](size_t i) const {
  return at_index(*this, child_modules(), i);
}

Tensor Sequential::forward(const Tensor& x) {
  auto scope = trace_scope();
  Tensor y = x;
  for (const auto& [name, m] : child_modules()) y = m->forward(y);
  return y;
}

ModuleList::ModuleList(std::initializer_list<ModulePtr> modules) : ModuleList() {
  for (const ModulePtr& m : modules) push_back(m);
}

const ModulePtr& ModuleList::operator[](size_t i) const {
  return at_index(*this, child_modules(), i);
}

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& named) : ModuleDict() {
  for (const auto& [name, m] : named) insert(name, m);
}

}  // namespace tessel::nn
