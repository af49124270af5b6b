#include "deploy/onnx_graph.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"

namespace tessel::deploy {

int onnx_type(DType t) {
  switch (t) {
    case DType::F32:
      return onnx::TensorProto::FLOAT;
    case DType::F16:
      return onnx::TensorProto::FLOAT16;
    case DType::BF16:
      return onnx::TensorProto::BFLOAT16;
    case DType::F64:
      return onnx::TensorProto::DOUBLE;
    case DType::I32:
      return onnx::TensorProto::INT32;
    case DType::I64:
      return onnx::TensorProto::INT64;
    case DType::U8:
      return onnx::TensorProto::UINT8;
    case DType::Bool:
      return onnx::TensorProto::BOOL;
  }
  TESSEL_FAIL("onnx: no ONNX element type for dtype ", t);
}

OnnxGraph::OnnxGraph(onnx::GraphProto* graph, int opset) : graph_(graph), opset_(opset) {}

std::string OnnxGraph::fresh(const std::string& hint) {
  std::string name = hint;
  for (int i = 1; names_.count(name); ++i) name = hint + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

onnx::NodeProto& OnnxGraph::node(const std::string& op_type, const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs) {
  onnx::NodeProto& n = *graph_->add_node();
  n.set_op_type(op_type);
  n.set_name(outputs.at(0));
  for (const std::string& i : inputs) n.add_input(i);
  for (const std::string& o : outputs) n.add_output(o);
  return n;
}

std::string OnnxGraph::op(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::string& hint) {
  std::string out = fresh(hint);
  node(op_type, inputs, {out});
  return out;
}

std::string OnnxGraph::initializer(const std::string& hint, const Tensor& t) {
  Tensor c = t.detach().to(kCPU).contiguous();
  onnx::TensorProto& p = *graph_->add_initializer();
  p.set_name(fresh(hint));
  p.set_data_type(onnx_type(c.dtype()));
  for (int64_t s : c.sizes()) p.add_dims(s);
  p.set_raw_data(c.data_ptr(), size_t(c.numel()) * element_size(c.dtype()));
  return p.name();
}

std::string OnnxGraph::ints(const std::vector<int64_t>& values, const std::string& hint) {
  onnx::TensorProto& p = *graph_->add_initializer();
  p.set_name(fresh(hint));
  p.set_data_type(onnx::TensorProto::INT64);
  p.add_dims(int64_t(values.size()));
  for (int64_t v : values) p.add_int64_data(v);
  return p.name();
}

std::string OnnxGraph::floats(const std::vector<float>& values, const std::string& hint) {
  onnx::TensorProto& p = *graph_->add_initializer();
  p.set_name(fresh(hint));
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(int64_t(values.size()));
  for (float v : values) p.add_float_data(v);
  return p.name();
}

void OnnxGraph::known(const std::string& value, const Shape& traced, const Shape& probe) {
  TESSEL_CHECK(traced.size() == probe.size(), "onnx: value '", value, "' has rank ", traced.size(),
               " in the trace and ", probe.size(), " in the probe trace");
  known_.push_back({value, traced, probe});
}

std::optional<std::string> OnnxGraph::dim(int64_t traced, int64_t probe, size_t axis,
                                          const std::vector<std::string>& near) {
  if (traced == probe) return ints({traced}, "dim");
  const Known* found = nullptr;
  size_t found_axis = 0;
  // Whether k has the dim on `axis`, or with `any`, on any axis.
  auto has = [&](const Known& k, bool any) {
    for (size_t a = 0; a < k.traced.size(); ++a)
      if ((any || a == axis) && k.traced[a] == traced && k.probe[a] == probe) {
        found = &k, found_axis = a;
        return true;
      }
    return false;
  };
  auto search = [&](bool any) {
    for (const std::string& name : near)
      for (const Known& k : known_)
        if (k.name == name && has(k, any)) return true;
    for (auto k = known_.rbegin(); k != known_.rend(); ++k)
      if (has(*k, any)) return true;
    return false;
  };
  if (!search(false) && !search(true)) return std::nullopt;
  auto [it, added] = dims_.try_emplace({found->name, found_axis});
  if (added) {
    int64_t a = int64_t(found_axis);
    it->second = op("Slice",
                    {op("Shape", {found->name}, found->name + "_shape"), ints({a}, "axis"),
                     ints({a + 1}, "axis_end")},
                    found->name + "_dim" + std::to_string(found_axis));
  }
  return it->second;
}

std::string OnnxGraph::require_dim(int64_t traced, int64_t probe, size_t axis,
                                   const std::vector<std::string>& near, const std::string& what) {
  std::optional<std::string> d = dim(traced, probe, axis, near);
  TESSEL_CHECK(d, "onnx: ", what, " is ", traced, " in the trace and ", probe,
               " in the probe trace, and no value computed before it has that size to read it "
               "from at run time; export without dynamic axes");
  return *d;
}

std::string OnnxGraph::shape(const std::vector<Dim>& dims, const std::string& hint) {
  std::vector<std::string> parts;
  std::vector<int64_t> run;  // consecutive constants, one initializer
  auto flush = [&] {
    if (!run.empty()) parts.push_back(ints(run, hint));
    run.clear();
  };
  for (const Dim& d : dims) {
    if (const int64_t* c = std::get_if<int64_t>(&d)) {
      run.push_back(*c);
    } else {
      flush();
      parts.push_back(std::get<std::string>(d));
    }
  }
  flush();
  if (parts.size() == 1) return parts[0];
  std::string out = fresh(hint);
  set_attr(node("Concat", parts, {out}), "axis", int64_t(0));
  return out;
}

std::string OnnxGraph::shape(const Shape& traced, const Shape& probe,
                             const std::vector<std::string>& near, const std::string& what) {
  std::vector<Dim> dims;
  for (size_t i = 0; i < traced.size(); ++i) {
    if (traced[i] == probe[i])
      dims.emplace_back(traced[i]);
    else
      dims.emplace_back(
          require_dim(traced[i], probe[i], i, near, what + " dim " + std::to_string(i)));
  }
  return shape(dims, "shape");
}

namespace {

std::unordered_set<std::string> read_names(const onnx::GraphProto& g) {
  std::unordered_set<std::string> names;
  for (const auto& n : g.node())
    for (const std::string& i : n.input()) names.insert(i);
  for (const auto& o : g.output()) names.insert(o.name());
  return names;
}

// Appends node i to `out` after the nodes writing its inputs (depth first, keeping the order
// otherwise).
void place(const onnx::GraphProto& g, int i, const std::unordered_map<std::string, int>& writer,
           std::vector<bool>& placed, google::protobuf::RepeatedPtrField<onnx::NodeProto>& out) {
  if (placed[size_t(i)]) return;
  placed[size_t(i)] = true;
  for (const std::string& in : g.node(i).input())
    if (auto w = writer.find(in); w != writer.end()) place(g, w->second, writer, placed, out);
  *out.Add() = g.node(i);
}

}  // namespace

void OnnxGraph::finish() {
  auto& nodes = *graph_->mutable_node();
  for (size_t before = 0; before != size_t(nodes.size());) {
    before = size_t(nodes.size());
    std::unordered_set<std::string> used = read_names(*graph_);
    nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                               [&](const onnx::NodeProto& n) {
                                 return std::none_of(
                                     n.output().begin(), n.output().end(),
                                     [&](const std::string& o) { return used.count(o) > 0; });
                               }),
                nodes.end());
  }
  std::unordered_set<std::string> used = read_names(*graph_);
  auto& inits = *graph_->mutable_initializer();
  inits.erase(std::remove_if(inits.begin(), inits.end(),
                             [&](const onnx::TensorProto& t) { return !used.count(t.name()); }),
              inits.end());
  std::unordered_map<std::string, int> writer;
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string& o : nodes[i].output()) writer[o] = i;
  std::vector<bool> placed(size_t(nodes.size()), false);
  google::protobuf::RepeatedPtrField<onnx::NodeProto> ordered;
  for (int i = 0; i < nodes.size(); ++i) place(*graph_, i, writer, placed, ordered);
  nodes.Swap(&ordered);
}

namespace {
onnx::AttributeProto& attr(onnx::NodeProto& n, const std::string& name,
                           onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto& a = *n.add_attribute();
  a.set_name(name);
  a.set_type(type);
  return a;
}
}  // namespace

void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  attr(n, name, onnx::AttributeProto::INT).set_i(v);
}
void set_attr(onnx::NodeProto& n, const std::string& name, float v) {
  attr(n, name, onnx::AttributeProto::FLOAT).set_f(v);
}
void set_attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  attr(n, name, onnx::AttributeProto::STRING).set_s(v);
}
void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto& a = attr(n, name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
}

}  // namespace tessel::deploy
