// Losses as modules, after torch.nn: each wraps one engine op (engine/ops/cross_entropy.h, bce.h,
// focal.h, dice.h, lovasz.h, ohem.h, kd.h) with that op's options struct, public so a config can
// set it. Tensor options (class weights, pos_weight) are registered as buffers, so to(device) moves
// them.
//
//   nn::CrossEntropyLoss ce({.ignore_index = 255});
//   Tensor loss = ce(logits, labels);
//
// Defaults are the ops' (PyTorch's where PyTorch has the loss), except FocalLoss, whose module
// averages (torchvision's function sums nothing: reduction none) so that it trains as is.
// Lovász takes logits here and applies the softmax; the op takes probabilities.
#pragma once

#include "engine/ops.h"
#include "nn/module.h"

namespace tessel::nn {

// A loss: forward(input, target) gives the loss (a scalar unless a reduction says otherwise).
class Loss : public Module {
 public:
  using Module::forward;
  using Module::Module;
  using Module::operator();
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
};

// Loss functions whose options the ops do not take in one struct.
struct BceDiceOptions {
  double w_bce = 1, w_dice = 1;
  DiceOptions dice;
};
Tensor bce_dice(const Tensor& logits, const Tensor& target, const BceDiceOptions& options);
Tensor lovasz_softmax_logits(const Tensor& logits, const Tensor& labels,
                             const LovaszOptions& options);

// Registers the options' tensors as buffers of `m` (none for most options); the options keep
// handles that share them.
template <typename Options>
void register_option_tensors(Module&, Options&) {}
void register_option_tensors(Module& m, CrossEntropyOptions& o);
void register_option_tensors(Module& m, BceOptions& o);
void register_option_tensors(Module& m, OhemOptions& o);

// The module of op `Fn` with options `Options`, printed as `Name`.
template <typename Options, Tensor (*Fn)(const Tensor&, const Tensor&, const Options&),
          const char* Name>
class OpLoss : public Loss {
 public:
  explicit OpLoss(Options o = {}) : Loss(Name), options(std::move(o)) {
    register_option_tensors(*this, options);
  }
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return Fn(input, target, options);
  }
  Options options;
};

namespace names {
inline constexpr char kCrossEntropy[] = "CrossEntropyLoss", kBce[] = "BCEWithLogitsLoss",
                      kDice[] = "DiceLoss", kBinaryDice[] = "BinaryDiceLoss",
                      kGeneralizedDice[] = "GeneralizedDiceLoss", kBceDice[] = "BCEDiceLoss",
                      kFocal[] = "FocalLoss", kLovasz[] = "LovaszSoftmaxLoss",
                      kOhem[] = "OhemCrossEntropyLoss", kDiceCEEdge[] = "DiceCEEdgeLoss",
                      kKd[] = "KnowledgeDistillationLoss";
}  // namespace names

using CrossEntropyLoss = OpLoss<CrossEntropyOptions, cross_entropy, names::kCrossEntropy>;
using BCEWithLogitsLoss = OpLoss<BceOptions, binary_cross_entropy_with_logits, names::kBce>;
using DiceLoss = OpLoss<DiceOptions, dice_loss, names::kDice>;
using BinaryDiceLoss = OpLoss<DiceOptions, binary_dice_loss, names::kBinaryDice>;
using BCEDiceLoss = OpLoss<BceDiceOptions, bce_dice, names::kBceDice>;
using LovaszSoftmaxLoss = OpLoss<LovaszOptions, lovasz_softmax_logits, names::kLovasz>;
using OhemCrossEntropyLoss = OpLoss<OhemOptions, ohem_cross_entropy, names::kOhem>;
// forward(student_logits, teacher_logits); the teacher gets no gradient.
using KnowledgeDistillationLoss = OpLoss<KdOptions, kd_loss, names::kKd>;
using DiceCEEdgeLoss =
    OpLoss<DiceCEEdgeOptions,
           static_cast<Tensor (*)(const Tensor&, const Tensor&, const DiceCEEdgeOptions&)>(
               dice_ce_edge_loss),
           names::kDiceCEEdge>;

// The generalised Dice op's defaults differ from DiceOptions' (smooth 0, eps 1e-17).
class GeneralizedDiceLoss
    : public OpLoss<DiceOptions, generalized_dice_loss, names::kGeneralizedDice> {
 public:
  explicit GeneralizedDiceLoss(DiceOptions o = {0, 1e-17, -100, false}) : OpLoss(o) {}
};

// Mean reduction by default (see above).
class FocalLoss : public OpLoss<FocalOptions, focal_loss, names::kFocal> {
 public:
  explicit FocalLoss(FocalOptions o = {0.25, 2, Reduction::Mean}) : OpLoss(o) {}
};

}  // namespace tessel::nn
