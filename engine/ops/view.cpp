// Views: new sizes/strides/offset over the same storage. Each records how to send the gradient
// back to the input's shape.
// No header: these are Tensor methods, declared with the Tensor (engine/tensor.h).
// No kernels: a view moves no data (reshape's copy of a non-viewable tensor is the copy family's).
// No bench: for the same reason.
#include <algorithm>
#include <numeric>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace tessel {
namespace {

Tensor make_view(const Tensor& src, Shape sizes, Shape strides, int64_t offset) {
  return Tensor(src.storage(), std::move(sizes), std::move(strides), offset, src.dtype());
}

Tensor reshape_view(const Tensor& x, Tensor out) {
  if (Node* n = record(out, "Reshape", {x}))
    n->rule = [in_sizes = x.sizes()](const Tensor& g, const Node&) {
      return std::vector<Tensor>{g.reshape(in_sizes)};
    };
  return out;
}

// Resolves one -1 and checks the element count.
Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Shape& from) {
  Shape s = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      TESSEL_CHECK(infer < 0, op, ": only one dimension can be -1 in ", shape_str(shape));
      infer = int64_t(i);
    } else {
      TESSEL_CHECK(s[i] >= 0, op, ": invalid size ", s[i], " in ", shape_str(shape));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    TESSEL_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape_str(shape),
                 " is invalid for input of shape ", shape_str(from));
    s[size_t(infer)] = numel / known;
  }
  TESSEL_CHECK(shape_numel(s) == numel, op, ": shape ", shape_str(shape),
               " is invalid for input of shape ", shape_str(from), " (", numel, " elements)");
  return s;
}

// Strides for viewing (sizes, strides) as `shape` without a copy, or empty if impossible
// (PyTorch's rule: each run of input dims that is contiguous in memory may be re-split).
bool view_strides(const Shape& sizes, const Shape& strides, const Shape& shape, Shape& out) {
  out.assign(shape.size(), 0);
  if (sizes.empty() || shape_numel(sizes) == 0) {
    out = contiguous_strides(shape);
    return true;
  }
  int64_t view_d = int64_t(shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[size_t(d)];
    if (d == 0 ||
        (sizes[size_t(d - 1)] != 1 && strides[size_t(d - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[size_t(view_d)] == 1)) {
        out[size_t(view_d)] = view_numel * chunk_base_stride;
        view_numel *= shape[size_t(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[size_t(d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  Shape s = infer_shape(shape, numel(), "view", sizes());
  Shape st;
  TESSEL_CHECK(view_strides(sizes(), strides(), s, st), "view: shape ", shape_str(s),
               " is not compatible with the strides ", shape_str(strides()),
               " of a tensor of shape ", shape_str(sizes()), "; use reshape()");
  return reshape_view(*this, make_view(*this, s, st, offset()));
}

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = infer_shape(shape, numel(), "reshape", sizes());
  Shape st;
  if (view_strides(sizes(), strides(), s, st))
    return reshape_view(*this, make_view(*this, s, st, offset()));
  return contiguous().view(s);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = wrap_dim(start);
  end = wrap_dim(end);
  TESSEL_CHECK(start <= end, "flatten: start dim ", start, " is after end dim ", end);
  Shape s(sizes().begin(), sizes().begin() + start);
  s.push_back(std::accumulate(sizes().begin() + start, sizes().begin() + end + 1, int64_t(1),
                              std::multiplies<>()));
  s.insert(s.end(), sizes().begin() + end + 1, sizes().end());
  return reshape(s);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  TESSEL_CHECK(int64_t(dims.size()) == dim(), "permute: got ", dims.size(),
               " dims for a tensor of ", dim(), " dims");
  Shape s(dims.size()), st(dims.size());
  std::vector<int64_t> inverse(dims.size(), -1);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i]);
    TESSEL_CHECK(inverse[size_t(d)] < 0, "permute: dim ", d, " repeated in the permutation");
    inverse[size_t(d)] = int64_t(i);
    s[i] = sizes()[size_t(d)];
    st[i] = strides()[size_t(d)];
  }
  Tensor out = make_view(*this, s, st, offset());
  auto details = [&] {
    std::vector<int64_t> order;
    for (int64_t d : dims) order.push_back(wrap_dim(d));
    return trace::Details{{{"dims", order}}};
  };
  if (Node* n = record(out, "Permute", {*this}, details))
    n->rule = [inverse](const Tensor& g, const Node&) {
      return std::vector<Tensor>{g.permute(inverse)};
    };
  return out;
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  std::vector<int64_t> order(static_cast<size_t>(dim()));
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[size_t(wrap_dim(d0))], order[size_t(wrap_dim(d1))]);
  return permute(order);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d);
  int64_t n = sizes()[size_t(d)];
  TESSEL_CHECK(step > 0, "slice: step must be positive, got ", step);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = sizes(), st = strides();
  s[size_t(d)] = (end - start + step - 1) / step;
  st[size_t(d)] *= step;
  Tensor out = make_view(*this, s, st, offset() + start * strides()[size_t(d)]);
  auto details = [&] {
    return trace::Details{{{"dim", d}, {"start", start}, {"end", end}, {"step", step}}};
  };
  if (Node* n = record(out, "Slice", {*this}, details))
    n->rule = [in_sizes = sizes(), dtype = dtype(), d, start, end, step](const Tensor& g,
                                                                         const Node&) {
      Tensor gi = zeros(in_sizes, {dtype, g.device()});
      gi.slice(d, start, end, step).copy_(g);
      return std::vector<Tensor>{gi};
    };
  return out;
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d);
  TESSEL_CHECK(start >= 0 && length >= 0 && start + length <= size(d), "narrow: start ", start,
               " and length ", length, " exceed dim ", d, " of size ", size(d));
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d);
  int64_t n = size(d);
  TESSEL_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dim ", d,
               " of size ", n);
  if (index < 0) index += n;
  return narrow(d, index, 1).squeeze(d);
}

Tensor Tensor::expand(const Shape& shape) const {
  TESSEL_CHECK(int64_t(shape.size()) >= dim(), "expand: target ", shape_str(shape),
               " has fewer dims than the tensor ", shape_str(sizes()));
  size_t lead = shape.size() - size_t(dim());
  Shape s(shape.size()), st(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      TESSEL_CHECK(shape[i] >= 0, "expand: size -1 is not allowed for a new leading dim");
      s[i] = shape[i];
      continue;
    }
    int64_t have = sizes()[i - lead];
    int64_t want = shape[i] == -1 ? have : shape[i];
    TESSEL_CHECK(have == want || have == 1, "expand: size ", have, " of dim ", i - lead,
                 " cannot expand to ", want, " (", shape_str(sizes()), " -> ", shape_str(shape),
                 ")");
    s[i] = want;
    st[i] = have == want ? strides()[i - lead] : 0;
  }
  Tensor out = make_view(*this, s, st, offset());
  if (Node* n = record(out, "Expand", {*this}))
    n->rule = [in_sizes = sizes()](const Tensor& g, const Node&) {
      return std::vector<Tensor>{sum_to(g, in_sizes)};
    };
  return out;
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (int64_t v : sizes())
    if (v != 1) s.push_back(v);
  return reshape(s);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d);
  if (size(d) != 1) return *this;
  Shape s = sizes(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return reshape_view(*this, make_view(*this, s, st, offset()));
}

Tensor Tensor::unsqueeze(int64_t d) const {
  int64_t n = dim() + 1;
  TESSEL_CHECK(d >= -n && d < n, "unsqueeze: dim ", d, " out of range for ", dim(), " dims");
  if (d < 0) d += n;
  Shape s = sizes(), st = strides();
  int64_t inner = size_t(d) < s.size() ? st[size_t(d)] * s[size_t(d)] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, inner);
  return reshape_view(*this, make_view(*this, s, st, offset()));
}

}  // namespace tessel
