// Reductions over any set of dims (empty = all), with keepdim.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/tensor.h"

namespace tessel {

using Dims = std::vector<int64_t>;

// How a loss reduces its per-element terms.
enum class Reduction { None, Mean, Sum };
Tensor reduce_loss(const Tensor& loss, Reduction r);

Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Sums a broadcast gradient back to `shape` (the backward of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);
// The backward of a broadcasting binary op a (op) b: `rule` gives {grad_a, grad_b} at the
// output's shape (undefined where not needed), and each is summed back to its input's shape.
using BinaryRule =
    std::function<std::pair<Tensor, Tensor>(const Tensor& grad_out, const Node& self)>;
Node::Rule summed_to_inputs(const Tensor& a, const Tensor& b, BinaryRule rule);

// The gradient of max/min goes entirely to the first extremum of each reduced group (PyTorch's
// rule for max(dim); its full-tensor max() splits ties evenly instead). NaN propagates.
Tensor max(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor min(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// i64 index of the first extremum along `dim`, or into the flattened tensor when no dim is given
// (where keepdim keeps every dim, as size 1). No gradient.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Variance and standard deviation, dividing by max(0, N - correction): correction 1 (the
// default) is the unbiased estimate, 0 the population one. Where `using namespace tessel` is in
// effect, call std as tessel::std: a bare std(...) is ambiguous with the namespace.
Tensor var(const Tensor& x, const Dims& dims = {}, bool keepdim = false, double correction = 1);
Tensor std(const Tensor& x, const Dims& dims = {}, bool keepdim = false, double correction = 1);

}  // namespace tessel
