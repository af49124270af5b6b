#include "deploy/onnx_ops.h"

#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <optional>

#include "core/error.h"

namespace tessel::deploy {
namespace {

using V = std::vector<int64_t>;

const V& ints(const trace::Op& op, const std::string& key) {
  return std::get<V>(op.attr(key));
}
int64_t integer(const trace::Op& op, const std::string& key) {
  return std::get<int64_t>(op.attr(key));
}
double real(const trace::Op& op, const std::string& key) {
  return std::get<double>(op.attr(key));
}
const Shape& in_shape(const OpNode& n, size_t i = 0) {
  return n.op.inputs.at(i).sizes();
}
const Shape& out_shape(const OpNode& n) {
  return n.op.outputs.at(0).sizes();
}
const Shape& probe_in_shape(const OpNode& n, size_t i = 0) {
  return n.probe.inputs.at(i).sizes();
}
const Shape& probe_out_shape(const OpNode& n) {
  return n.probe.outputs.at(0).sizes();
}

// [h, w] padding as ONNX's [h_begin, w_begin, h_end, w_end].
V pads2(const V& p) {
  return {p[0], p[1], p[0], p[1]};
}

// The node writing the op's first output from `inputs`.
onnx::NodeProto& emit(OnnxGraph& g, const OpNode& n, const std::string& type,
                      const std::vector<std::string>& inputs) {
  return g.node(type, inputs, {n.out[0]});
}

// A one-element tensor of the op's first input's dtype (Clip's bounds, Pad's value).
std::string scalar_like(OnnxGraph& g, const OpNode& n, double v, const std::string& hint) {
  return g.initializer(hint, full({}, v, {n.op.inputs[0].dtype()}));
}

// ReduceMean, ReduceMax or ReduceMin over `axes` into `out`: the axes are an attribute before
// opset 18, an input since (ReduceSum's since 13).
void reduce_into(OnnxGraph& g, const std::string& type, const std::string& x, const V& axes,
                 bool keepdims, const std::string& out) {
  bool as_input = g.opset() >= 18 || type == "ReduceSum";
  onnx::NodeProto& r = g.node(
      type,
      as_input ? std::vector<std::string>{x, g.ints(axes, "axes")} : std::vector<std::string>{x},
      {out});
  if (!as_input) set_attr(r, "axes", axes);
  set_attr(r, "keepdims", int64_t(keepdims));
}

std::string reduce_mean(OnnxGraph& g, const std::string& x, const V& axes, bool keepdims,
                        const std::string& hint) {
  std::string out = g.fresh(hint);
  reduce_into(g, "ReduceMean", x, axes, keepdims, out);
  return out;
}

// --- One mapping per traced op.

// A transposed convolution whose output padding varies with the input (PyTorch's output_size
// matching a skip connection of either parity) pads by stride - 1 and is cut to the size read at
// run time: the padding only adds rows and columns at the end.
void conv(OnnxGraph& g, const OpNode& n) {
  bool transposed = n.op.name == "ConvTranspose2d";
  std::vector<std::string> inputs{n.in[0], n.in[1]};
  if (!n.in[2].empty()) inputs.push_back(n.in[2]);
  bool cut = transposed && ints(n.op, "output_padding") != ints(n.probe, "output_padding");
  std::string full = cut ? g.fresh(n.out[0] + "_uncut") : n.out[0];
  onnx::NodeProto& c = g.node(transposed ? "ConvTranspose" : "Conv", inputs, {full});
  const Shape& w = in_shape(n, 1);
  set_attr(c, "kernel_shape", V{w[2], w[3]});
  set_attr(c, "strides", ints(n.op, "stride"));
  set_attr(c, "pads", pads2(ints(n.op, "padding")));
  set_attr(c, "dilations", ints(n.op, "dilation"));
  set_attr(c, "group", integer(n.op, "groups"));
  if (!transposed) return;
  if (!cut) {
    set_attr(c, "output_padding", ints(n.op, "output_padding"));
    return;
  }
  // Both axes, as one padding that does not vary between two traces may at a third size.
  const V& stride = ints(n.op, "stride");
  set_attr(c, "output_padding", V{stride[0] - 1, stride[1] - 1});
  const Shape &out = out_shape(n), &probe = probe_out_shape(n);
  std::string ends = g.shape({g.require_dim(out[2], probe[2], 2, {}, "ConvTranspose2d's height"),
                              g.require_dim(out[3], probe[3], 3, {}, "ConvTranspose2d's width")},
                             "ends");
  g.node("Slice", {full, g.ints({0, 0}, "starts"), ends, g.ints({2, 3}, "axes")}, {n.out[0]});
}

void batch_norm(OnnxGraph& g, const OpNode& n) {
  TESSEL_CHECK(integer(n.op, "training") == 0,
               "onnx: batch_norm in training mode (batch statistics); export a model in eval()");
  int64_t c = in_shape(n)[1];
  DType t = n.op.inputs[0].dtype();
  std::string scale = n.in[1].empty() ? g.initializer("bn_scale", ones({c}, {t})) : n.in[1];
  std::string bias = n.in[2].empty() ? g.initializer("bn_bias", zeros({c}, {t})) : n.in[2];
  onnx::NodeProto& b = emit(g, n, "BatchNormalization", {n.in[0], scale, bias, n.in[3], n.in[4]});
  set_attr(b, "epsilon", float(real(n.op, "eps")));
}

void layer_norm(OnnxGraph& g, const OpNode& n) {
  int64_t axis = integer(n.op, "axis");
  float eps = float(real(n.op, "eps"));
  if (g.opset() >= 17 && !n.in[1].empty() && !n.in[2].empty()) {
    onnx::NodeProto& l = emit(g, n, "LayerNormalization", {n.in[0], n.in[1], n.in[2]});
    set_attr(l, "axis", axis);
    set_attr(l, "epsilon", eps);
    return;
  }
  // (x - mean) / sqrt(var + eps) * weight + bias, over the last -axis dims.
  V axes;
  for (int64_t a = axis; a < 0; ++a) axes.push_back(int64_t(in_shape(n).size()) + a);
  std::string d = g.op("Sub", {n.in[0], reduce_mean(g, n.in[0], axes, true, "ln_mean")}, "ln_d");
  std::string var = reduce_mean(g, g.op("Mul", {d, d}, "ln_sq"), axes, true, "ln_var");
  std::string den =
      g.op("Sqrt", {g.op("Add", {var, scalar_like(g, n, eps, "ln_eps")}, "ln_v")}, "ln_std");
  std::string y = g.op("Div", {d, den}, "ln_norm");
  if (!n.in[1].empty()) y = g.op("Mul", {y, n.in[1]}, "ln_scaled");
  if (!n.in[2].empty()) y = g.op("Add", {y, n.in[2]}, "ln_shifted");
  g.node("Identity", {y}, {n.out[0]});
}

// GroupNormalization arrives at opset 18 (with per-group scale and bias until 21), so the group
// norm is decomposed as PyTorch exports it below that: InstanceNormalization over
// [N, groups, -1], the input's shape back, then the per-channel weight and bias.
void group_norm(OnnxGraph& g, const OpNode& n) {
  const Shape& x = in_shape(n);
  const int64_t groups = integer(n.op, "groups"), c = x[1];
  DType t = n.op.inputs[0].dtype();
  std::string grouped = g.op("Reshape", {n.in[0], g.ints({0, groups, -1}, "gn_groups")}, "gn_x");
  std::string normed = g.fresh("gn_normed");
  onnx::NodeProto& in = g.node("InstanceNormalization",
                               {grouped, g.initializer("gn_one", ones({groups}, {t})),
                                g.initializer("gn_zero", zeros({groups}, {t}))},
                               {normed});
  set_attr(in, "epsilon", float(real(n.op, "eps")));
  std::string y = g.op("Reshape", {normed, g.op("Shape", {n.in[0]}, "gn_shape")}, "gn_y");
  V per_channel(x.size() - 1, 1);  // [C, 1, ...]: broadcasts over the channel axis
  per_channel[0] = c;
  std::string param_shape = g.ints(per_channel, "gn_param_shape");
  if (!n.in[1].empty())
    y = g.op("Mul", {y, g.op("Reshape", {n.in[1], param_shape}, "gn_w")}, "gn_scaled");
  if (!n.in[2].empty())
    y = g.op("Add", {y, g.op("Reshape", {n.in[2], param_shape}, "gn_b")}, "gn_shifted");
  g.node("Identity", {y}, {n.out[0]});
}

// Ops that are one ONNX node on the same inputs.
template <const char* Type>
void same(OnnxGraph& g, const OpNode& n) {
  emit(g, n, Type, n.in);
}

void rsqrt(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Reciprocal", {g.op("Sqrt", {n.in[0]}, "sqrt")});
}

void leaky_relu(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "LeakyRelu", {n.in[0]}), "alpha", float(real(n.op, "a")));
}

void elu(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "Elu", {n.in[0]}), "alpha", float(real(n.op, "a")));
}

// PyTorch's hardsigmoid: relu6(x + 3) / 6.
void set_hardsigmoid(onnx::NodeProto& h) {
  set_attr(h, "alpha", float(1.0 / 6.0));
  set_attr(h, "beta", 0.5f);
}

void hardsigmoid(OnnxGraph& g, const OpNode& n) {
  set_hardsigmoid(emit(g, n, "HardSigmoid", {n.in[0]}));
}

void hardswish(OnnxGraph& g, const OpNode& n) {
  if (g.opset() >= 14) {
    emit(g, n, "HardSwish", {n.in[0]});
    return;
  }
  std::string h = g.fresh("hardsigmoid");
  set_hardsigmoid(g.node("HardSigmoid", {n.in[0]}, {h}));
  emit(g, n, "Mul", {n.in[0], h});
}

void silu(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Mul", {n.in[0], g.op("Sigmoid", {n.in[0]}, "sigmoid")});
}

void gelu(OnnxGraph& g, const OpNode& n) {
  if (g.opset() >= 20) {
    emit(g, n, "Gelu", {n.in[0]});
    return;
  }
  // 0.5 x (1 + erf(x / sqrt 2))
  std::string e = g.op(
      "Erf",
      {g.op("Mul", {n.in[0], scalar_like(g, n, std::numbers::sqrt2 / 2, "rsqrt2")}, "gelu_scaled")},
      "gelu_erf");
  std::string one_plus = g.op("Add", {e, scalar_like(g, n, 1.0, "one")}, "gelu_1p");
  std::string half_x = g.op("Mul", {n.in[0], scalar_like(g, n, 0.5, "half")}, "gelu_hx");
  emit(g, n, "Mul", {half_x, one_plus});
}

void clamp(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Clip",
       {n.in[0], scalar_like(g, n, real(n.op, "a"), "clip_min"),
        scalar_like(g, n, real(n.op, "b"), "clip_max")});
}

void cast(OnnxGraph& g, const OpNode& n) {
  if (n.op.inputs[0].dtype() == n.op.outputs[0].dtype()) {
    emit(g, n, "Identity", {n.in[0]});
    return;
  }
  set_attr(emit(g, n, "Cast", {n.in[0]}), "to", int64_t(onnx_type(n.op.outputs[0].dtype())));
}

void reduce(OnnxGraph& g, const OpNode& n) {
  static const std::map<std::string, std::string> types = {
      {"sum", "ReduceSum"}, {"mean", "ReduceMean"}, {"max", "ReduceMax"}, {"min", "ReduceMin"}};
  reduce_into(g, types.at(n.op.name), n.in[0], ints(n.op, "dims"), integer(n.op, "keepdim") != 0,
              n.out[0]);
}

void softmax(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, n.op.name == "softmax" ? "Softmax" : "LogSoftmax", {n.in[0]}), "axis",
           integer(n.op, "dim"));
}

void cat(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "Concat", n.in), "axis", integer(n.op, "dim"));
}

// Reshape's target: a dim that keeps the input's at its position in both traces is 0 (ONNX's
// copy, so a dynamic batch passes), one equal in both traces a constant, one that varies is read
// at run time from a value that has it, and at most one that none has is -1 (inferred: [N, L, C]
// -> [N L, C] merges the batch into the leading dim).
void reshape(OnnxGraph& g, const OpNode& n) {
  const Shape &s = out_shape(n), &t = probe_out_shape(n);
  const Shape &in = in_shape(n), &probe_in = probe_in_shape(n);
  std::vector<OnnxGraph::Dim> dims;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i < in.size() && s[i] == in[i] && t[i] == probe_in[i]) {
      dims.emplace_back(int64_t(0));
    } else if (s[i] == t[i]) {
      dims.emplace_back(s[i]);
    } else if (auto d = g.dim(s[i], t[i], i, {n.in[0]})) {
      dims.emplace_back(*d);
    } else {
      TESSEL_CHECK(!inferred, "onnx: Reshape to ", shape_str(s), " (", shape_str(t),
                   " in the probe trace): dims ", *inferred, " and ", i,
                   " vary with the input and no value has them");
      inferred = i;
      dims.emplace_back(int64_t(-1));
    }
  }
  emit(g, n, "Reshape", {n.in[0], g.shape(dims, "shape")});
}

// Expand's target; dims the input already has are 1 (ONNX broadcasts: kept).
void expand(OnnxGraph& g, const OpNode& n) {
  Shape s = out_shape(n), t = probe_out_shape(n);
  const Shape &in = in_shape(n), &probe_in = probe_in_shape(n);
  size_t lead = s.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] == s[lead + i] && probe_in[i] == t[lead + i]) s[lead + i] = t[lead + i] = 1;
  emit(g, n, "Expand", {n.in[0], g.shape(s, t, {n.in[0]}, "Expand's shape")});
}

void permute(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "Transpose", {n.in[0]}), "perm", ints(n.op, "dims"));
}

// A slice to the end of its axis in both traces runs to the end at any size; other bounds that
// vary with the input are read at run time.
void slice(OnnxGraph& g, const OpNode& n) {
  size_t d = size_t(integer(n.op, "dim"));
  int64_t end = integer(n.op, "end"), probe_end = integer(n.probe, "end");
  std::string ends = end == in_shape(n)[d] && probe_end == probe_in_shape(n)[d]
                         ? g.ints({std::numeric_limits<int64_t>::max()}, "ends")
                         : g.require_dim(end, probe_end, d, {n.in[0]}, "Slice's end");
  emit(g, n, "Slice",
       {n.in[0],
        g.require_dim(integer(n.op, "start"), integer(n.probe, "start"), d, {n.in[0]},
                      "Slice's start"),
        ends, g.ints({int64_t(d)}, "axes"), g.ints({integer(n.op, "step")}, "steps")});
}

void pad(OnnxGraph& g, const OpNode& n) {
  // Tessel's pads are (begin, end) pairs from the last dim backwards; ONNX's all begins, then
  // all ends, from the first dim.
  const V& p = ints(n.op, "pads");
  size_t rank = in_shape(n).size();
  V onnx_pads(2 * rank, 0);
  for (size_t i = 0; i < p.size() / 2; ++i) {
    onnx_pads[rank - 1 - i] = p[2 * i];
    onnx_pads[2 * rank - 1 - i] = p[2 * i + 1];
  }
  static const char* modes[] = {"constant", "reflect", "edge"};
  onnx::NodeProto& node = emit(
      g, n, "Pad",
      {n.in[0], g.ints(onnx_pads, "pads"), scalar_like(g, n, real(n.op, "value"), "pad_value")});
  set_attr(node, "mode", std::string(modes[integer(n.op, "mode")]));
}

void set_window(onnx::NodeProto& node, const OpNode& n) {
  set_attr(node, "kernel_shape", ints(n.op, "kernel"));
  set_attr(node, "strides", ints(n.op, "stride"));
  set_attr(node, "pads", pads2(ints(n.op, "padding")));
  set_attr(node, "ceil_mode", integer(n.op, "ceil_mode"));
}

void max_pool(OnnxGraph& g, const OpNode& n) {
  std::vector<std::string> outs{n.out[0]};
  if (!n.out[1].empty()) outs.push_back(n.out[1]);
  onnx::NodeProto& node = g.node("MaxPool", {n.in[0]}, outs);
  set_window(node, n);
  set_attr(node, "dilations", ints(n.op, "dilation"));
}

void avg_pool(OnnxGraph& g, const OpNode& n) {
  onnx::NodeProto& node = emit(g, n, "AveragePool", {n.in[0]});
  set_window(node, n);
  set_attr(node, "count_include_pad", integer(n.op, "count_include_pad"));
}

// Adaptive average pooling along one axis of x: bin i averages [floor(i in / out),
// ceil((i + 1) in / out)). Equal bins are one AveragePool, others a slice and mean each. When
// the axis's size varies with the input, `in_dim` names its run-time value and the bin bounds are
// computed from it ("": `in` is fixed).
std::string adaptive_axis(OnnxGraph& g, const std::string& x, int64_t axis, int64_t in, int64_t out,
                          const std::string& in_dim) {
  bool fixed = in_dim.empty();
  if (fixed && in == out) return x;
  if (fixed && in % out == 0) {
    int64_t k = in / out;
    V kernel = axis == 2 ? V{k, 1} : V{1, k};
    std::string y = g.fresh("adaptive_pool");
    onnx::NodeProto& p = g.node("AveragePool", {x}, {y});
    set_attr(p, "kernel_shape", kernel);
    set_attr(p, "strides", kernel);
    return y;
  }
  // floor(k in / out) + `add`, as ONNX's integer Div truncates.
  auto bound = [&](int64_t k, int64_t add) {
    if (fixed) return g.ints({(k * in + add) / out}, "bound");
    std::string scaled = g.op("Mul", {in_dim, g.ints({k}, "k")}, "bin_scaled");
    return g.op("Div",
                {g.op("Add", {scaled, g.ints({add}, "add")}, "bin_shifted"), g.ints({out}, "bins")},
                "bin_bound");
  };
  std::vector<std::string> bins;
  for (int64_t i = 0; i < out; ++i) {
    std::string part = g.op(
        "Slice", {x, bound(i, 0), bound(i + 1, out - 1), g.ints({axis}, "axes")}, "adaptive_bin");
    bins.push_back(reduce_mean(g, part, {axis}, true, "adaptive_mean"));
  }
  std::string y = g.fresh("adaptive_pool");
  set_attr(g.node("Concat", bins, {y}), "axis", axis);
  return y;
}

void adaptive_avg_pool(OnnxGraph& g, const OpNode& n) {
  const Shape &in = in_shape(n), &probe_in = probe_in_shape(n), &out = out_shape(n);
  TESSEL_CHECK(out[2] == probe_out_shape(n)[2] && out[3] == probe_out_shape(n)[3],
               "onnx: AdaptiveAvgPool2d's output size varies with the input (", shape_str(out),
               ", ", shape_str(probe_out_shape(n)), ")");
  if (out[2] == 1 && out[3] == 1) {
    emit(g, n, "GlobalAveragePool", {n.in[0]});
    return;
  }
  auto pool = [&](const std::string& x, size_t a) {
    std::string size = in[a] == probe_in[a] ? ""
                                            : g.require_dim(in[a], probe_in[a], a, {n.in[0]},
                                                            "AdaptiveAvgPool2d's input size");
    return adaptive_axis(g, x, int64_t(a), in[a], out[a], size);
  };
  g.node("Identity", {pool(pool(n.in[0], 2), 3)}, {n.out[0]});
}

// Unpooling as a scatter, since OpenVINO and TensorRT have no MaxUnpool: ONNX MaxPool's indices
// are flat over its whole input, which is the unpooled output's shape, so the pooled values go to
// those places in zeros of that shape, flattened.
void max_unpool(OnnxGraph& g, const OpNode& n) {
  TESSEL_CHECK(n.op.inputs[1].sizes() == in_shape(n),
               "onnx: MaxUnpool2d's indices must have its input's shape");
  std::string shape = g.shape(out_shape(n), probe_out_shape(n), {n.in[0]}, "MaxUnpool's output");
  std::string flat = g.ints({-1}, "flat");
  onnx::NodeProto& blank = g.node("ConstantOfShape", {shape}, {g.fresh("unpool_zeros")});
  *blank.add_attribute() = [&] {
    onnx::AttributeProto a;
    a.set_name("value");
    a.set_type(onnx::AttributeProto::TENSOR);
    onnx::TensorProto& t = *a.mutable_t();
    t.set_data_type(onnx_type(n.op.inputs[0].dtype()));
    t.add_dims(1);
    Tensor zero = zeros({1}, {n.op.inputs[0].dtype()});
    t.set_raw_data(zero.data_ptr(), element_size(zero.dtype()));
    return a;
  }();
  onnx::NodeProto& scatter = g.node("ScatterElements",
                                    {g.op("Reshape", {blank.output(0), flat}, "unpool_flat"),
                                     g.op("Reshape", {n.in[1], flat}, "unpool_indices"),
                                     g.op("Reshape", {n.in[0], flat}, "unpool_values")},
                                    {g.fresh("unpool_scattered")});
  set_attr(scatter, "axis", int64_t(0));
  emit(g, n, "Reshape", {scatter.output(0), shape});
}

// Whether ONNX's Resize with `scales` s (f32) makes PyTorch's `out` from `in`: floor(in s).
bool scales_make(int64_t in, int64_t out, double coord) {
  return int64_t(std::floor(double(in) * double(float(1.0 / coord)))) == out;
}

// Resize: align_corners keeps the corners; otherwise the source coordinate is (target + 0.5)
// * scale - 0.5 (bilinear, half_pixel) or target * scale (nearest, asymmetric, floor). With
// the output size ONNX takes scale = in / out; a scale_factor PyTorch used as given goes as
// ONNX's scales, so that both compute the same coordinates. Sizes are used where the traced
// scale is in / out in both traces and the sizes can be had at run time (a value has them);
// else scales, where they make the traced sizes in both traces.
void upsample(OnnxGraph& g, const OpNode& n) {
  bool nearest = n.op.name == "UpsampleNearest";
  bool corners = integer(n.op, "align_corners") != 0;
  const trace::Op* traces[] = {&n.op, &n.probe};
  size_t r = in_shape(n).size();
  bool size_coords = true, by_scale = !corners;
  for (const trace::Op* op : traces) {
    const auto& coord = std::get<std::vector<double>>(op->attr("coordinate_scale"));
    const Shape &in = op->inputs[0].sizes(), &out = op->outputs[0].sizes();
    for (size_t a = 0; a < 2; ++a) {
      size_coords = size_coords && coord[a] == double(in[r - 2 + a]) / double(out[r - 2 + a]);
      by_scale = by_scale && scales_make(in[r - 2 + a], out[r - 2 + a], coord[a]) &&
                 coord[a] == std::get<std::vector<double>>(n.op.attr("coordinate_scale"))[a];
    }
  }
  bool by_size = corners || size_coords;
  std::string roi = "", scales = "", sizes = "";
  std::vector<OnnxGraph::Dim> dims;
  for (size_t a = 0; a < r && by_size; ++a) {
    int64_t traced = out_shape(n)[a], probe = probe_out_shape(n)[a];
    if (traced == probe)
      dims.emplace_back(traced);
    else if (auto d = g.dim(traced, probe, a, {n.in[0]}))
      dims.emplace_back(*d);
    else
      by_size = false;
  }
  if (by_size) {
    sizes = g.shape(dims, "sizes");
  } else {
    TESSEL_CHECK(by_scale, "onnx: ", n.op.name, " to ", shape_str(out_shape(n)), " (",
                 shape_str(probe_out_shape(n)),
                 " in the probe trace): neither a scale nor a "
                 "value's size gives that size at run time; export without dynamic axes");
    const auto& coord = std::get<std::vector<double>>(n.op.attr("coordinate_scale"));
    std::vector<float> s(r, 1.0f);
    s[r - 2] = float(1.0 / coord[0]), s[r - 1] = float(1.0 / coord[1]);
    scales = g.floats(s, "scales");
  }
  onnx::NodeProto& node = emit(g, n, "Resize", {n.in[0], roi, scales, sizes});
  set_attr(node, "mode", std::string(nearest ? "nearest" : "linear"));
  set_attr(node, "coordinate_transformation_mode",
           std::string(corners ? "align_corners" : (nearest ? "asymmetric" : "half_pixel")));
  if (nearest) set_attr(node, "nearest_mode", std::string("floor"));
}

constexpr char kAdd[] = "Add", kSub[] = "Sub", kMul[] = "Mul", kDiv[] = "Div", kPow[] = "Pow",
               kMax[] = "Max", kMin[] = "Min", kNeg[] = "Neg", kAbs[] = "Abs", kExp[] = "Exp",
               kLog[] = "Log", kSqrt[] = "Sqrt", kSigmoid[] = "Sigmoid", kTanh[] = "Tanh",
               kRelu[] = "Relu", kMatMul[] = "MatMul";

}  // namespace

Mapping onnx_mapping(const std::string& op_name) {
  static const std::map<std::string, Mapping> table = {
      {"Conv2d", conv},
      {"ConvTranspose2d", conv},
      {"batch_norm", batch_norm},
      {"layer_norm", layer_norm},
      {"group_norm", group_norm},
      {"Add", same<kAdd>},
      {"Sub", same<kSub>},
      {"Mul", same<kMul>},
      {"Div", same<kDiv>},
      {"Pow", same<kPow>},
      {"maximum", same<kMax>},
      {"minimum", same<kMin>},
      {"neg", same<kNeg>},
      {"abs", same<kAbs>},
      {"exp", same<kExp>},
      {"log", same<kLog>},
      {"sqrt", same<kSqrt>},
      {"rsqrt", rsqrt},
      {"sigmoid", same<kSigmoid>},
      {"tanh", same<kTanh>},
      {"relu", same<kRelu>},
      {"leaky_relu", leaky_relu},
      {"elu", elu},
      {"hardsigmoid", hardsigmoid},
      {"hardswish", hardswish},
      {"silu", silu},
      {"gelu", gelu},
      {"clamp", clamp},
      {"To", cast},
      {"Matmul", same<kMatMul>},
      {"sum", reduce},
      {"mean", reduce},
      {"max", reduce},
      {"min", reduce},
      {"softmax", softmax},
      {"log_softmax", softmax},
      {"Cat", cat},
      {"Reshape", reshape},
      {"Expand", expand},
      {"Permute", permute},
      {"Slice", slice},
      {"Pad", pad},
      {"MaxPool2d", max_pool},
      {"AvgPool2d", avg_pool},
      {"AdaptiveAvgPool2d", adaptive_avg_pool},
      {"MaxUnpool2d", max_unpool},
      {"UpsampleBilinear", upsample},
      {"UpsampleNearest", upsample},
  };
  auto it = table.find(op_name);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace tessel::deploy
