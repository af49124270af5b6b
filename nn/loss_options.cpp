#include "nn/loss_options.h"

#include <cmath>
#include <functional>

#include "core/strings.h"

namespace tessel::nn {
namespace {

using Values = std::vector<double>;
using Setter = std::function<void(LossConfig&, const Values&, const std::string& where)>;

double one(const Values& v, const std::string& where) {
  TESSEL_CHECK(v.size() == 1, where, ": expected one number, got a list of ", v.size());
  return v[0];
}

// A setter for `field` of the options struct `LossConfig::*opts`, converting as its type asks:
// a number, a whole number, a switch (0/1), or a tensor of the listed values shaped by `shape`.
template <typename O, typename F>
Setter set(O LossConfig::*opts, F O::*field, Shape (*shape)(int64_t) = nullptr) {
  return [=](LossConfig& c, const Values& v, const std::string& where) {
    F& out = (c.*opts).*field;
    if constexpr (std::is_same_v<F, double>) {
      out = one(v, where);
    } else if constexpr (std::is_same_v<F, int64_t>) {
      double x = one(v, where);
      TESSEL_CHECK(x == std::floor(x), where, ": expected a whole number, got ", x);
      out = int64_t(x);
    } else if constexpr (std::is_same_v<F, bool>) {
      double x = one(v, where);
      TESSEL_CHECK(x == 0 || x == 1, where, ": expected true or false, got ", x);
      out = x == 1;
    } else {
      static_assert(std::is_same_v<F, Tensor>);
      TESSEL_CHECK(!v.empty(), where, ": expected a list with one value per class");
      std::vector<float> values(v.begin(), v.end());
      out = from_vector(values, shape(int64_t(v.size())));
    }
  };
}

Shape per_class(int64_t c) {
  return {c};
}
Shape per_channel(int64_t c) {
  return {c, 1, 1};
}  // broadcast over [N, C, H, W]

const std::map<std::string, std::map<std::string, Setter>>& table() {
  using C = LossConfig;
  static const std::map<std::string, Setter> dice = {
      {"smooth", set(&C::dice, &DiceOptions::smooth)}, {"eps", set(&C::dice, &DiceOptions::eps)}};
  static const std::map<std::string, std::map<std::string, Setter>> t = {
      {"ce",
       {{"label_smoothing", set(&C::ce, &CrossEntropyOptions::label_smoothing)},
        {"class_weight", set(&C::ce, &CrossEntropyOptions::weight, per_class)}}},
      {"ohem_ce",
       {{"thresh", set(&C::ohem, &OhemOptions::thresh)},
        {"min_kept", set(&C::ohem, &OhemOptions::min_kept)},
        {"class_weight", set(&C::ohem, &OhemOptions::weight, per_class)}}},
      {"bce", {{"pos_weight", set(&C::bce, &BceOptions::pos_weight, per_channel)}}},
      {"dice", dice},
      {"binary_dice", dice},  // the same options struct as dice
      {"generalized_dice",
       {{"smooth", set(&C::generalized_dice, &DiceOptions::smooth)},
        {"eps", set(&C::generalized_dice, &DiceOptions::eps)}}},
      {"bce_dice",
       {{"w_bce", set(&C::bce_dice, &BceDiceOptions::w_bce)},
        {"w_dice", set(&C::bce_dice, &BceDiceOptions::w_dice)}}},
      {"focal",
       {{"alpha", set(&C::focal, &FocalOptions::alpha)},
        {"gamma", set(&C::focal, &FocalOptions::gamma)}}},
      {"lovasz",
       {{"per_image", set(&C::lovasz, &LovaszOptions::per_image)},
        {"only_present", set(&C::lovasz, &LovaszOptions::only_present)}}},
      {"dice_ce_edge",
       {{"w_ce", set(&C::dice_ce_edge, &DiceCEEdgeOptions::w_ce)},
        {"w_edge", set(&C::dice_ce_edge, &DiceCEEdgeOptions::w_edge)},
        {"w_dice", set(&C::dice_ce_edge, &DiceCEEdgeOptions::w_dice)},
        {"edge_kernel", set(&C::dice_ce_edge, &DiceCEEdgeOptions::edge_kernel)},
        {"smooth", set(&C::dice_ce_edge, &DiceCEEdgeOptions::smooth)},
        {"eps", set(&C::dice_ce_edge, &DiceCEEdgeOptions::eps)}}},
      {"kd", {{"temperature", set(&C::kd, &KdOptions::temperature)}}},
  };
  return t;
}

}  // namespace

std::vector<std::string> loss_option_names(const std::string& loss) {
  std::vector<std::string> names;
  if (auto it = table().find(loss); it != table().end())
    for (const auto& [name, setter] : it->second) names.push_back(name);
  return names;
}

void apply_loss_options(const std::string& loss, const LossOptions& options, LossConfig& config) {
  if (options.empty()) return;
  auto it = table().find(loss);
  TESSEL_CHECK(it != table().end(), "loss '", loss, "' takes no options");
  for (const auto& [name, values] : options) {
    auto setter = it->second.find(name);
    TESSEL_CHECK(setter != it->second.end(), "loss '", loss, "': unknown option '", name,
                 "'; valid: ", join(loss_option_names(loss)));
    setter->second(config, values, "loss '" + loss + "': " + name);
  }
}

}  // namespace tessel::nn
