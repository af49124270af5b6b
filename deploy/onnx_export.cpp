#include "deploy/onnx_export.h"

#include <cstring>
#include <unordered_map>

#include "deploy/onnx_graph.h"
#include "deploy/onnx_ops.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/file.h"

namespace tessel::deploy {
namespace {

using Names = std::unordered_map<trace::Key, std::string, trace::KeyHash>;

// Puts a model in eval mode for a scope and restores its mode after.
class EvalMode {
 public:
  explicit EvalMode(nn::Module& m) : m_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalMode() { m_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  nn::Module& m_;
  bool was_training_;
};

// The input's dynamic axes are named; an output's dim that varies is the input's name for it
// where it equals the input's dim on that axis in both traces, else "<output>_<axis>".
const char* const kAxisNames[] = {"batch", "channels", "height", "width"};

void set_value_info(onnx::ValueInfoProto& v, const std::string& name, DType t, const Shape& traced,
                    const Shape& probe, const Shape& input, const Shape& probe_input) {
  v.set_name(name);
  auto& tensor = *v.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(onnx_type(t));
  for (size_t i = 0; i < traced.size(); ++i) {
    auto& dim = *tensor.mutable_shape()->add_dim();
    if (traced[i] == probe[i])
      dim.set_dim_value(traced[i]);
    else if (i < 4 && traced[i] == input[i] && probe[i] == probe_input[i])
      dim.set_dim_param(kAxisNames[i]);
    else
      dim.set_dim_param(name + "_" + std::to_string(i));
  }
}

// Attributes that may differ between the trace and the probe trace because their mapping reads
// them from both (OnnxGraph::dim): a slice's bounds, a transposed convolution's output padding, a
// resize's coordinate scale.
bool may_vary(const std::string& op, const std::string& attr) {
  if (op == "Slice") return attr == "start" || attr == "end";
  if (op == "ConvTranspose2d") return attr == "output_padding";
  return (op == "UpsampleBilinear" || op == "UpsampleNearest") && attr == "coordinate_scale";
}

// A copy into the same dtype (what contiguous() runs), an Identity in the graph.
bool is_copy(const trace::Op& op) {
  return op.name == "To" && op.inputs[0].dtype() == op.outputs[0].dtype();
}

// Whether two constant tensors have the same shape, dtype and bytes.
bool same_constant(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  Tensor x = a.detach().to(kCPU).contiguous(), y = b.detach().to(kCPU).contiguous();
  return std::memcmp(x.data_ptr(), y.data_ptr(), size_t(x.numel()) * element_size(x.dtype())) == 0;
}

// Writes the traced ops as nodes, naming each value once.
class Writer {
 public:
  Writer(OnnxGraph& g, models::SegmentationModel& model, const OnnxOptions& options)
      : g_(g), options_(options) {
    for (const auto& [name, m] : model.named_modules())
      module_paths_[m.get()] = name.empty() ? model.type_name() : name;
    for (const auto& [name, t] : model.named_parameters()) params_[trace::key(t)] = name;
    for (const auto& [name, t] : model.named_buffers()) params_[trace::key(t)] = name;
  }

  void bind(const Tensor& t, const std::string& name) { names_[trace::key(t)] = name; }

  // The ops, their outputs named `outputs[key]` where an op writes a model output last; `probe`:
  // the same ops traced on the probe input (the ops themselves without dynamic axes).
  void write(const std::vector<const trace::Op*>& ops, const std::vector<const trace::Op*>& probe,
             const Names& outputs) {
    std::unordered_map<trace::Key, size_t, trace::KeyHash> last_writer, readers;
    for (size_t i = 0; i < ops.size(); ++i) {
      for (const trace::Value& v : ops[i]->outputs)
        if (v.defined) last_writer[v.key] = i;
      for (const trace::Value& v : ops[i]->inputs)
        if (v.defined) ++readers[v.key];
    }
    for (const auto& [k, name] : outputs)
      TESSEL_CHECK(last_writer.count(k), "onnx: output '", name,
                   "' was not computed by a traced op (an op that does not report to the tracer)");
    size_t next_probe = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
      const trace::Op& op = *ops[i];
      std::string path = module_path(op), hint = path.empty() ? op.name : path + "/" + op.name;
      Mapping map = onnx_mapping(op.name);
      TESSEL_CHECK(map != nullptr, "onnx: no ONNX mapping for op '", op.name, "' called by ",
                   caller(op));
      // A copy that only makes memory contiguous runs at one shape and not at another (a
      // transposed [1, C, L] is contiguous already): one without a partner pairs with itself.
      bool copy = is_copy(op);
      while (!copy && next_probe < probe.size() && is_copy(*probe[next_probe])) ++next_probe;
      bool paired = next_probe < probe.size() && (!copy || is_copy(*probe[next_probe]));
      const trace::Op* partner = paired ? probe[next_probe++] : (copy ? &op : nullptr);
      check_probe(op, partner);
      OpNode n{op, *partner, {}, {}};
      for (size_t j = 0; j < op.inputs.size(); ++j)
        n.in.push_back(value(op.inputs[j], partner->inputs[j], op));
      for (size_t j = 0; j < op.outputs.size(); ++j) {
        const trace::Key& k = op.outputs[j].key;
        auto out = outputs.find(k);
        bool is_output = out != outputs.end() && last_writer.at(k) == i;
        n.out.push_back(is_output ? out->second : (readers.count(k) ? g_.fresh(hint) : ""));
        if (!n.out.back().empty()) {
          names_[k] = n.out.back();
        }
        producers_[k] = nearest_module(op);
      }
      if (!options_.fold_bn || !fold_into_conv(op, n, readers)) {
        try {
          map(g_, n);
        } catch (const Error& e) {
          TESSEL_FAIL("onnx: op '", op.name, "' called by ", caller(op), ": ", e.what());
        }
      }
      // Known after the mapping, so that its dims are read from what came before.
      for (size_t j = 0; j < op.outputs.size(); ++j)
        if (paired && !n.out[j].empty() && op.outputs[j].defined)
          g_.known(n.out[j], op.outputs[j].sizes(), partner->outputs[j].sizes());
      if (op.name == "Conv2d") convs_[op.outputs[0].key] = {g_.proto().node_size() - 1, &op};
    }
    while (next_probe < probe.size() && is_copy(*probe[next_probe])) ++next_probe;
    TESSEL_CHECK(next_probe == probe.size(), "onnx: the model runs ", probe.size() - next_probe,
                 " more ops at the probe input's shape; export without dynamic axes");
  }

 private:
  // The dotted path of the innermost module open around the op ("" when none is).
  std::string module_path(const trace::Op& op) const {
    for (auto it = op.modules.rbegin(); it != op.modules.rend(); ++it)
      if (auto m = module_paths_.find(*it); m != module_paths_.end()) return m->second;
    return "";
  }

  // The op's module, else the nearest module its first traced input came from ("" when none).
  std::string nearest_module(const trace::Op& op) const {
    std::string path = module_path(op);
    if (!path.empty()) return path;
    for (const trace::Value& v : op.inputs)
      if (auto p = v.defined ? producers_.find(v.key) : producers_.end(); p != producers_.end())
        return p->second;
    return "";
  }

  // Who called the op, for messages.
  std::string caller(const trace::Op& op) const {
    std::string near = nearest_module(op);
    if (near.empty()) return "the model";
    return module_path(op).empty() ? "the model after module '" + near + "'"
                                   : "module '" + near + "'";
  }

  // The op in the probe trace must be the same op with the same attributes, but for those its
  // mapping reads from both traces.
  void check_probe(const trace::Op& op, const trace::Op* probe) const {
    TESSEL_CHECK(probe && probe->name == op.name && probe->inputs.size() == op.inputs.size() &&
                     probe->outputs.size() == op.outputs.size(),
                 "onnx: the model runs other ops at the probe input's shape: '", op.name,
                 "' called by ", caller(op), " became ", probe ? "'" + probe->name + "'" : "none",
                 "; export without dynamic axes");
    for (size_t a = 0; a < op.attrs.size(); ++a)
      TESSEL_CHECK(
          op.attrs[a].second == probe->attrs[a].second || may_vary(op.name, op.attrs[a].first),
          "onnx: op '", op.name, "' called by ", caller(op), " has its attribute '",
          op.attrs[a].first, "' depend on the input's shape; export without dynamic axes");
  }

  // The ONNX name of an op's input: a value already written, a parameter or buffer (an
  // initializer under its state-dict name) or a constant the forward made (an initializer, which
  // must be the same in the probe trace).
  std::string value(const trace::Value& v, const trace::Value& probe, const trace::Op& op) {
    if (!v.defined) return "";
    if (auto it = names_.find(v.key); it != names_.end()) return it->second;
    // Not written by a traced op, so the trace kept its tensor.
    auto p = params_.find(v.key);
    TESSEL_CHECK(p != params_.end() || same_constant(v.data, probe.data), "onnx: op '", op.name,
                 "' called by ", caller(op), " reads a constant made in the forward of shape ",
                 shape_str(v.sizes()), " that depends on the input's shape (",
                 shape_str(probe.sizes()), " in the probe trace); export without dynamic axes");
    return names_[v.key] = weight(p != params_.end() ? p->second : "const", v.data);
  }

  std::string weight(const std::string& hint, const Tensor& t) {
    if (!options_.fp16 || t.dtype() != DType::F32) return g_.initializer(hint, t);
    std::string half = g_.initializer(hint + ".f16", t.to(DType::F16));
    std::string name = g_.fresh(hint);
    set_attr(g_.node("Cast", {half}, {name}), "to", int64_t(onnx::TensorProto::FLOAT));
    return name;
  }

  // BatchNorm in eval mode reading only a convolution's output becomes that convolution's new
  // weight and bias: w * s and (b - mean) * s + beta, with s = gamma / sqrt(var + eps).
  bool fold_into_conv(const trace::Op& op, const OpNode& n,
                      const std::unordered_map<trace::Key, size_t, trace::KeyHash>& readers) {
    if (op.name != "batch_norm" || std::get<int64_t>(op.attr("training")) != 0) return false;
    const trace::Key& in = op.inputs[0].key;
    auto c = convs_.find(in);
    if (c == convs_.end() || readers.at(in) != 1) return false;
    const trace::Op& conv = *c->second.second;
    // Folding needs the values: weights an op computed in the forward stay unfolded.
    auto has_values = [](const trace::Value& v) { return !v.defined || v.data.defined(); };
    for (const trace::Value* v : {&op.inputs[1], &op.inputs[2], &op.inputs[3], &op.inputs[4],
                                  &conv.inputs[1], &conv.inputs[2]})
      if (!has_values(*v)) return false;
    NoGradGuard no_grad;
    DType t = op.inputs[0].dtype();
    int64_t channels = op.inputs[0].size(1);
    Tensor gamma = op.inputs[1].defined ? op.inputs[1].data : ones({channels}, {t});
    Tensor beta = op.inputs[2].defined ? op.inputs[2].data : zeros({channels}, {t});
    Tensor s = gamma / sqrt(op.inputs[4].data + std::get<double>(op.attr("eps")));
    Tensor w = conv.inputs[1].data * s.reshape({channels, 1, 1, 1});
    Tensor b = conv.inputs[2].defined ? conv.inputs[2].data : zeros({channels}, {t});
    b = (b - op.inputs[3].data) * s + beta;
    onnx::NodeProto& node = *g_.proto().mutable_node(c->second.first);
    std::string base = node.output(0);
    node.set_input(1, weight(base + ".folded_weight", w));
    std::string bias = weight(base + ".folded_bias", b);
    if (node.input_size() > 2)
      node.set_input(2, bias);
    else
      node.add_input(bias);
    // The convolution now writes what the BatchNorm wrote.
    node.set_output(0, n.out[0]);
    node.set_name(n.out[0]);
    convs_.erase(c);
    return true;
  }

  OnnxGraph& g_;
  const OnnxOptions& options_;
  Names names_, params_;
  std::unordered_map<const void*, std::string> module_paths_;
  std::unordered_map<trace::Key, std::string, trace::KeyHash> producers_;
  std::unordered_map<trace::Key, std::pair<int, const trace::Op*>, trace::KeyHash> convs_;
};

// The argmax head: `labels`, the class of the largest logit of `out`, first on ties, [N, H, W].
void add_argmax_head(OnnxGraph& g, const Tensor& out, const Tensor& probe_out, const Tensor& input,
                     const Tensor& probe_input, const OnnxOptions& options) {
  std::string labels = g.fresh("labels");
  bool u8 = options.labels == Labels::U8;
  onnx::NodeProto& arg = g.node("ArgMax", {"out"}, {u8 ? g.fresh("labels_i64") : labels});
  set_attr(arg, "axis", int64_t(1));
  set_attr(arg, "keepdims", int64_t(0));
  if (u8) {
    TESSEL_CHECK(out.size(1) <= 256, "onnx: u8 labels hold 256 classes, the model has ",
                 out.size(1));
    set_attr(g.node("Cast", {arg.output(0)}, {labels}), "to", int64_t(onnx::TensorProto::UINT8));
  }
  // [N, H, W] named as the input's [N, C, H, W] is.
  auto labels_of = [](const Tensor& t) { return Shape{t.size(0), 1, t.size(2), t.size(3)}; };
  onnx::ValueInfoProto& v = *g.proto().add_output();
  set_value_info(v, labels, u8 ? DType::U8 : DType::I64, labels_of(out), labels_of(probe_out),
                 input.sizes(), probe_input.sizes());
  v.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()->DeleteSubrange(1, 1);
}

// One forward of the model, traced.
struct Traced {
  Tensor input;
  std::vector<trace::Op> ops;
  models::Outputs outputs;
  std::vector<const trace::Op*> live;  // the ops the outputs depend on
  std::vector<Tensor> output_tensors;  // those the graph outputs
};

void trace_forward(models::SegmentationModel& model, const Tensor& x, const OnnxOptions& options,
                   Traced& t) {
  t.input = x;
  {
    NoGradGuard no_grad;
    trace::Scope scope;
    t.outputs = model.forward_outputs(x);
    t.ops = scope.ops();
  }
  // The argmax head reads "out" alone.
  for (const auto& [name, out] : t.outputs)
    if (options.labels == Labels::None || name == "out") t.output_tensors.push_back(out);
  t.live = trace::live_ops(t.ops, t.output_tensors);
}

// The probe trace for dynamic axes: the batch one larger, the height and width twice as large
// and odd, so that dims that coincide at one size differ (see onnx_graph.h), down to the
// deepest stride the example's size reaches (at half the size, a stride-64 map of 160 and of
// 183 pixels are both 3 wide, and a size read from it would be taken for a constant); a model
// that takes only multiples of 16 or 32 gets twice the size plus 64 and 32 instead.
void trace_probe(models::SegmentationModel& model, const Tensor& example,
                 const OnnxOptions& options, Traced& probe) {
  Shape shape = example.sizes();
  if (options.dynamic_batch) shape[0] += 1;
  Generator gen{1};
  if (!options.dynamic_size) {
    trace_forward(model, randn(shape, {example.dtype(), example.device()}, &gen), options, probe);
    return;
  }
  Shape odd = shape, even = shape;
  odd[2] = 2 * shape[2] + 37, odd[3] = 2 * shape[3] + 23;
  even[2] = 2 * shape[2] + 64, even[3] = 2 * shape[3] + 32;
  try {
    trace_forward(model, randn(odd, {example.dtype(), example.device()}, &gen), options, probe);
  } catch (const Error&) {
    probe = {};
    trace_forward(model, randn(even, {example.dtype(), example.device()}, &gen), options, probe);
  }
}

}  // namespace

onnx::ModelProto to_onnx(models::SegmentationModel& model, const Tensor& example,
                         const OnnxOptions& options) {
  TESSEL_CHECK(options.opset >= 13 && options.opset <= 20, "onnx: opset ", options.opset,
               " is not supported; choose 13 to 20");
  TESSEL_CHECK(example.dim() == 4 && is_floating(example.dtype()),
               "onnx: the example input must be a float [N, C, H, W] batch, got ", example.dtype(),
               " of shape ", shape_str(example.sizes()));
  bool dynamic = options.dynamic_batch || options.dynamic_size;
  Traced traced, probe_traced;
  {
    EvalMode eval(model);
    trace_forward(model, example, options, traced);
    if (dynamic) trace_probe(model, example, options, probe_traced);
  }
  const Traced& probe = dynamic ? probe_traced : traced;
  Names output_names;
  for (const auto& [name, t] : traced.outputs)
    if (options.labels == Labels::None || name == "out") output_names[trace::key(t)] = name;

  onnx::ModelProto proto;
  proto.set_ir_version(8);
  proto.set_producer_name("tessel");
  proto.mutable_opset_import()->Add()->set_version(options.opset);
  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(model.type_name());
  OnnxGraph g(&graph, options.opset);
  Writer writer(g, model, options);
  g.fresh("input");
  writer.bind(example, "input");
  g.known("input", example.sizes(), probe.input.sizes());
  for (const auto& [name, t] : traced.outputs) g.fresh(name);
  writer.write(traced.live, probe.live, output_names);

  const Shape &in = example.sizes(), &probe_in = probe.input.sizes();
  set_value_info(*graph.add_input(), "input", example.dtype(), in, probe_in, in, probe_in);
  if (options.labels == Labels::None) {
    for (const auto& [name, t] : traced.outputs)
      set_value_info(*graph.add_output(), name, t.dtype(), t.sizes(),
                     probe.outputs.at(name).sizes(), in, probe_in);
  } else {
    add_argmax_head(g, traced.outputs.at("out"), probe.outputs.at("out"), example, probe.input,
                    options);
  }
  g.finish();
  return proto;
}

void export_onnx(models::SegmentationModel& model, const Tensor& example, const std::string& path,
                 const OnnxOptions& options) {
  std::string bytes = to_onnx(model, example, options).SerializeAsString();
  nn::AtomicFile file(path, "export_onnx");
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace tessel::deploy
