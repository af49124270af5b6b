// OHEM cross-entropy: the fused cross_entropy per pixel, a host-chosen threshold from one sort
// of the true-class probabilities, and a mean over the kept pixels.
#include "engine/ops/ohem.h"

#include <algorithm>

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/sort.h"

namespace tessel {

Tensor ohem_cross_entropy(const Tensor& logits, const Tensor& labels, const OhemOptions& options) {
  if (autocast_widens({&logits}))
    return ohem_cross_entropy(autocast_widen(logits), labels, options);
  const char* op = "ohem_cross_entropy";
  TESSEL_CHECK(options.min_kept >= 0, op, ": 'min_kept' must be >= 0, got ", options.min_kept);
  Tensor ce =
      cross_entropy(logits, labels, {options.ignore_index, options.weight, 0, Reduction::None});
  Tensor kept;
  {
    NoGradGuard no_grad;
    // The true-class probability is exp(-CE) of the unweighted loss.
    Tensor plain =
        options.weight.defined()
            ? cross_entropy(logits, labels, {options.ignore_index, Tensor(), 0, Reduction::None})
            : ce.detach();
    Tensor valid =
        ne(labels, scalar_tensor(double(options.ignore_index), {DType::I64, labels.device()}));
    // Ignored pixels sort after every probability.
    Tensor prob = where(valid, exp(-plain), full({}, 2.0, {plain.dtype(), plain.device()}));
    int64_t n = int64_t(sum(valid).item());
    double threshold = options.thresh;
    if (n > 0) {
      Tensor ascending = sort(prob.reshape({1, -1})).values;
      int64_t k = std::min(options.min_kept * logits.size(0), n - 1);
      threshold = std::max(threshold, ascending.narrow(1, k, 1).item());
    }
    kept = lt(prob, full({}, threshold, {prob.dtype(), prob.device()})).to(ce.dtype()) *
           valid.to(ce.dtype());
  }
  double count = sum(kept).item();
  return sum(ce * kept) / std::max(count, 1.0);
}

}  // namespace tessel
