// Losses by name, for configs, and the weighted sum of losses over a model's named outputs
// (main head and auxiliary heads).
//
//   auto loss = nn::WeightedOutputsLoss::from_description({{"out", "ce", 1.0}, {"aux", "ce", 0.4}},
//                                                          {.ignore_index = 255});
//   Tensor l = loss->forward(model_outputs, labels);  // 1.0 * ce(out) + 0.4 * ce(aux)
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/losses.h"

namespace tessel::nn {

// What the factories build from: one options struct per family, each with its defaults, and an
// ignore_index that, when set, replaces theirs (so a config names it once).
struct LossConfig {
  std::optional<int64_t> ignore_index;
  CrossEntropyOptions ce;
  BceOptions bce;
  DiceOptions dice;
  DiceOptions generalized_dice{0, 1e-17, -100, false};
  BceDiceOptions bce_dice;
  FocalOptions focal{0.25, 2, Reduction::Mean};
  LovaszOptions lovasz;
  OhemOptions ohem;
  DiceCEEdgeOptions dice_ce_edge;
  KdOptions kd;
};

using LossFactory = std::function<std::shared_ptr<Loss>(const LossConfig&)>;

// "ce", "bce", "dice", "binary_dice", "generalized_dice", "bce_dice", "focal", "lovasz",
// "ohem_ce", "dice_ce_edge", "kd" (whose target is the teacher's logits), and any added with
// register_loss (which throws for a name already taken).
const std::map<std::string, LossFactory>& loss_registry();
void register_loss(const std::string& name, LossFactory factory);
// Throws for an unknown name, listing the known ones.
std::shared_ptr<Loss> make_loss(const std::string& name, const LossConfig& config = {});

// Options of one loss by name (nn/loss_options.h): {"label_smoothing", {0.1}}.
using LossOptions = std::map<std::string, std::vector<double>>;

struct OutputLoss {
  std::string output;  // the model output's name ("out", "aux", ...)
  std::string loss;    // a registry name
  double weight = 1;
  LossOptions options;  // over the config's options for this term only
};

// sum_k weight_k * loss_k(outputs[output_k], target). Each output must already be at the
// target's resolution. The losses are children "0", "1", ... in description order.
class WeightedOutputsLoss : public Module {
 public:
  WeightedOutputsLoss() : Module("WeightedOutputsLoss") {}
  static std::shared_ptr<WeightedOutputsLoss> from_description(
      const std::vector<OutputLoss>& description, const LossConfig& config = {});
  void add(const std::string& output, std::shared_ptr<Loss> loss, double weight);
  using Module::forward;
  // Throws for an output the description names that `outputs` lacks, listing what exists.
  Tensor forward(const std::map<std::string, Tensor>& outputs, const Tensor& target);

 private:
  struct Term {
    std::string output;
    std::shared_ptr<Loss> loss;
    double weight;
  };
  std::vector<Term> terms_;
};

}  // namespace tessel::nn
