// Per-term loss options by name, as recipes write them:
//   loss: [{output: out, loss: ce, options: {label_smoothing: 0.1, class_weight: [1, 2.5, 1]}}]
// Each loss takes the options of its own options struct (engine/ops/cross_entropy.h, bce.h,
// focal.h, dice.h, lovasz.h, ohem.h, kd.h, nn/losses.h); an option it does not take is an error
// listing those it does. Values are numbers, lists of numbers (class weights) or 0/1 for switches.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nn/loss_registry.h"

namespace tessel::nn {

// Writes `options` into the part of `config` that the registry's loss `loss` reads.
void apply_loss_options(const std::string& loss, const LossOptions& options, LossConfig& config);
// The option names `loss` takes (empty for a loss without options or not in the table).
std::vector<std::string> loss_option_names(const std::string& loss);

}  // namespace tessel::nn
