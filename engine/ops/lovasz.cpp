// Lovász-softmax from engine ops: the sort and the Lovász weights carry no gradient, so the
// loss differentiates as a dot product of the sorted errors with constant weights.
#include "engine/ops/lovasz.h"

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/index.h"
#include "engine/ops/pad.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/ops/sort.h"

namespace tessel {
namespace {

// probas [C, P], labels [P]: the per-class losses averaged over the classes that count.
Tensor lovasz_flat(const Tensor& probas, const Tensor& labels, const LovaszOptions& o) {
  int64_t C = probas.size(0), P = probas.size(1);
  TensorOptions like{probas.dtype(), probas.device()};
  Tensor valid = ne(labels, scalar_tensor(double(o.ignore_index), {DType::I64, labels.device()}));
  Tensor classes = arange(0, double(C), 1, {DType::I64, labels.device()}).view({C, 1});
  Tensor fg =
      eq(labels.view({1, P}), classes).to(probas.dtype()) * valid.to(probas.dtype()).view({1, P});
  // Ignored pixels get error -1, below every real error: they sort after every foreground
  // pixel, where the Lovász weights are 0, which is the same as leaving them out.
  Tensor errors = where(valid.view({1, P}), abs(fg - probas), full({}, -1.0, like));
  SortResult sorted = sort(errors, /*descending=*/true);
  Tensor weights, counts;
  {
    NoGradGuard no_grad;
    Tensor fg_sorted = gather(fg, 1, sorted.indices);
    counts = sum(fg, {1}, true);
    Tensor hits = cumsum(fg_sorted);
    Tensor seen = arange(1, double(P) + 1, 1, like).view({1, P});
    Tensor jaccard = 1.0 - (counts - hits) / (counts + seen - hits);
    weights = P > 1 ? jaccard - pad(jaccard.narrow(1, 0, P - 1), {1, 0}) : jaccard;
  }
  Tensor per_class = sum(sorted.values * weights, {1});
  std::vector<double> present = counts.to_vector<double>();
  bool any_valid = sum(valid).item() > 0;
  std::vector<double> mask(present.size(), 1.0);
  if (o.only_present)
    for (size_t c = 0; c < present.size(); ++c) mask[c] = present[c] > 0 ? 1.0 : 0.0;
  double n = 0;
  for (double m : mask) n += m;
  if (!any_valid || n == 0) return sum(probas) * 0.0;
  return sum(per_class * from_vector(mask, {C}, like)) / n;
}

}  // namespace

Tensor lovasz_softmax(const Tensor& probas, const Tensor& labels, const LovaszOptions& options) {
  if (autocast_widens({&probas})) return lovasz_softmax(autocast_widen(probas), labels, options);
  const char* op = "lovasz_softmax";
  check_float(op, probas, "probas");
  check_same_device(op, probas, "probas", labels, "labels");
  TESSEL_CHECK(probas.dim() >= 2, op, ": 'probas' must be [N, C, d...], got shape ",
               shape_str(probas.sizes()));
  Shape expected = probas.sizes();
  expected.erase(expected.begin() + 1);
  TESSEL_CHECK(labels.sizes() == expected, op, ": 'labels' must have shape ", shape_str(expected),
               " for probas ", shape_str(probas.sizes()), ", got ", shape_str(labels.sizes()));
  TESSEL_CHECK(!is_floating(labels.dtype()) && labels.dtype() != DType::Bool, op,
               ": 'labels' must be an integer tensor, got ", labels.dtype());
  int64_t C = probas.size(1);
  if (!options.per_image)
    return lovasz_flat(probas.transpose(0, 1).reshape({C, -1}), labels.reshape({-1}), options);
  std::vector<Tensor> per_image;
  for (int64_t i = 0; i < probas.size(0); ++i)
    per_image.push_back(lovasz_flat(probas.select(0, i).reshape({C, -1}),
                                    labels.select(0, i).reshape({-1}), options));
  return mean(stack(per_image));
}

}  // namespace tessel
