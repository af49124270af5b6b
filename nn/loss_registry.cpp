#include "nn/loss_registry.h"

#include <sstream>

#include "nn/loss_options.h"

namespace tessel::nn {
namespace {

// `o` with the config's ignore_index, when the config sets one and the options have one.
template <typename Options>
Options with_ignore(Options o, const LossConfig& c) {
  if constexpr (requires(Options & x) { x.ignore_index; })
    if (c.ignore_index) o.ignore_index = *c.ignore_index;
  return o;
}

BceDiceOptions with_ignore(BceDiceOptions o, const LossConfig& c) {
  o.dice = with_ignore(o.dice, c);
  return o;
}

// A factory for module M from the config's options member `field`.
template <typename M, typename Options>
LossFactory factory(Options LossConfig::*field) {
  return [field](const LossConfig& c) -> std::shared_ptr<Loss> {
    return std::make_shared<M>(with_ignore(c.*field, c));
  };
}

std::map<std::string, LossFactory>& registry() {
  static std::map<std::string, LossFactory> r = {
      {"ce", factory<CrossEntropyLoss>(&LossConfig::ce)},
      {"bce", factory<BCEWithLogitsLoss>(&LossConfig::bce)},
      {"dice", factory<DiceLoss>(&LossConfig::dice)},
      {"binary_dice", factory<BinaryDiceLoss>(&LossConfig::dice)},
      {"generalized_dice", factory<GeneralizedDiceLoss>(&LossConfig::generalized_dice)},
      {"bce_dice", factory<BCEDiceLoss>(&LossConfig::bce_dice)},
      {"focal", factory<FocalLoss>(&LossConfig::focal)},
      {"lovasz", factory<LovaszSoftmaxLoss>(&LossConfig::lovasz)},
      {"ohem_ce", factory<OhemCrossEntropyLoss>(&LossConfig::ohem)},
      {"dice_ce_edge", factory<DiceCEEdgeLoss>(&LossConfig::dice_ce_edge)},
      {"kd", factory<KnowledgeDistillationLoss>(&LossConfig::kd)},
  };
  return r;
}

template <typename Map>
std::string key_list(const Map& m) {
  std::ostringstream s;
  for (auto it = m.begin(); it != m.end(); ++it) s << (it == m.begin() ? "" : ", ") << it->first;
  return s.str();
}

}  // namespace

const std::map<std::string, LossFactory>& loss_registry() {
  return registry();
}

void register_loss(const std::string& name, LossFactory factory) {
  TESSEL_CHECK(!registry().count(name), "register_loss: loss '", name, "' is already registered");
  registry().emplace(name, std::move(factory));
}

std::shared_ptr<Loss> make_loss(const std::string& name, const LossConfig& config) {
  auto it = registry().find(name);
  TESSEL_CHECK(it != registry().end(), "make_loss: unknown loss '", name,
               "'; known losses: ", key_list(registry()));
  return it->second(config);
}

std::shared_ptr<WeightedOutputsLoss> WeightedOutputsLoss::from_description(
    const std::vector<OutputLoss>& description, const LossConfig& config) {
  auto m = std::make_shared<WeightedOutputsLoss>();
  for (const OutputLoss& d : description) {
    LossConfig c = config;
    apply_loss_options(d.loss, d.options, c);
    m->add(d.output, make_loss(d.loss, c), d.weight);
  }
  return m;
}

void WeightedOutputsLoss::add(const std::string& output, std::shared_ptr<Loss> loss,
                              double weight) {
  register_module(std::to_string(terms_.size()), loss);
  terms_.push_back({output, std::move(loss), weight});
}

Tensor WeightedOutputsLoss::forward(const std::map<std::string, Tensor>& outputs,
                                    const Tensor& target) {
  TESSEL_CHECK(!terms_.empty(), "WeightedOutputsLoss: no losses were added");
  for (const Term& t : terms_)
    TESSEL_CHECK(outputs.count(t.output), "WeightedOutputsLoss: no model output '", t.output,
                 "' for its ", t.loss->type_name(), "; outputs: ", key_list(outputs));
  Tensor total;
  for (const Term& t : terms_) {
    Tensor term = t.loss->forward(outputs.at(t.output), target) * t.weight;
    total = total.defined() ? total + term : term;
  }
  return total;
}

}  // namespace tessel::nn
