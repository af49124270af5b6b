// cat and stack copy each input into a narrow() view of the output (the strided copy kernel);
// their gradients are narrow() views of the output gradient. split and chunk are narrow() views.
#include "engine/ops/shape.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace tessel {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  TESSEL_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  const Tensor& first = tensors[0];
  TESSEL_CHECK(first.dim() > 0, "cat: zero-dimensional tensor (at index 0) cannot be concatenated");
  int64_t d = first.wrap_dim(dim);
  Shape shape = first.sizes();
  DType type = first.dtype();
  shape[size_t(d)] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    TESSEL_CHECK(t.device() == first.device(), "cat: tensor ", i, " is on ", t.device(),
                 " but tensor 0 is on ", first.device());
    bool same = t.dim() == first.dim();
    for (int64_t k = 0; same && k < t.dim(); ++k) same = k == d || t.size(k) == first.size(k);
    TESSEL_CHECK(same, "cat: tensor ", i, " has shape ", shape_str(t.sizes()), ", tensor 0 has ",
                 shape_str(first.sizes()), "; they must match except in dim ", d);
    shape[size_t(d)] += t.size(d);
    type = promote_types(type, t.dtype());
  }
  Tensor out = empty(shape, {type, first.device()});
  std::vector<Tensor> inputs;
  std::vector<int64_t> sizes;
  int64_t start = 0;
  for (const Tensor& t : tensors) {
    inputs.push_back(t.to(type));  // recorded: a promoted input's gradient goes back through it
    sizes.push_back(t.size(d));
    NoGradGuard no_grad;
    out.narrow(d, start, t.size(d)).copy_(inputs.back());
    start += t.size(d);
  }
  auto details = [&] { return trace::Details{{{"dim", d}}}; };
  if (Node* n = record(out, "Cat", inputs, details))
    n->rule = [d, sizes](const Tensor& g, const Node& self) {
      std::vector<Tensor> grads(sizes.size());
      int64_t start = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (self.needs_grad(i)) grads[i] = g.narrow(d, start, sizes[i]);
        start += sizes[i];
      }
      return grads;
    };
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  TESSEL_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    TESSEL_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: tensor ", i, " has shape ",
                 shape_str(tensors[i].sizes()), ", tensor 0 has ", shape_str(tensors[0].sizes()));
    parts.push_back(tensors[i].unsqueeze(dim));
  }
  return cat(parts, dim);
}

std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<int64_t>& sizes,
                                     int64_t dim) {
  int64_t d = x.wrap_dim(dim), total = 0;
  for (int64_t s : sizes) {
    TESSEL_CHECK(s >= 0, "split_with_sizes: negative size ", s);
    total += s;
  }
  TESSEL_CHECK(total == x.size(d), "split_with_sizes: sizes add up to ", total, " but dim ", d,
               " has size ", x.size(d), " (shape ", shape_str(x.sizes()), ")");
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  TESSEL_CHECK(size > 0, "split: size must be positive, got ", size);
  int64_t n = x.size(dim);
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < n; start += size) sizes.push_back(std::min(size, n - start));
  if (sizes.empty()) sizes.push_back(0);  // an empty dim splits into one empty piece
  return split_with_sizes(x, sizes, dim);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  TESSEL_CHECK(chunks > 0, "chunk: number of chunks must be positive, got ", chunks);
  int64_t n = x.size(dim);
  return split(x, std::max<int64_t>(1, (n + chunks - 1) / chunks), dim);
}

}  // namespace tessel
