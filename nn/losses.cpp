#include "nn/losses.h"

namespace tessel::nn {
namespace {

void register_if_defined(Module& m, const char* name, Tensor& t) {
  if (t.defined()) t = m.register_buffer(name, t);
}

}  // namespace

Tensor bce_dice(const Tensor& logits, const Tensor& target, const BceDiceOptions& options) {
  return bce_dice_loss(logits, target, options.w_bce, options.w_dice, options.dice);
}

Tensor lovasz_softmax_logits(const Tensor& logits, const Tensor& labels,
                             const LovaszOptions& options) {
  TESSEL_CHECK(logits.dim() >= 2, "LovaszSoftmaxLoss: 'input' must be [N, C, d...], got shape ",
               shape_str(logits.sizes()));
  return lovasz_softmax(softmax(logits, 1), labels, options);
}

void register_option_tensors(Module& m, CrossEntropyOptions& o) {
  register_if_defined(m, "weight", o.weight);
}
void register_option_tensors(Module& m, BceOptions& o) {
  register_if_defined(m, "weight", o.weight);
  register_if_defined(m, "pos_weight", o.pos_weight);
}
void register_option_tensors(Module& m, OhemOptions& o) {
  register_if_defined(m, "weight", o.weight);
}

}  // namespace tessel::nn
