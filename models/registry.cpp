#include "models/registry.h"

#include <functional>
#include <map>

#include "core/strings.h"
#include "models/dinov2.h"

namespace tessel::models {
namespace {

const Registry& registry() {
  static const Registry table = [] {
    Registry t;
    add_torchvision_models(t);
    add_unet_stdc_models(t);
    add_pyramid_models(t);
    add_segformer_models(t);
    add_realtime_models(t);
    t["dinov2_vits14"] = dinov2_vits14;
    return t;
  }();
  return table;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [name, builder] : registry()) out.push_back(name);
  return out;
}

std::shared_ptr<SegmentationModel> create(const std::string& name, const ModelOptions& options) {
  auto it = registry().find(name);
  TESSEL_CHECK(it != registry().end(), "models::create: unknown model '", name,
               "'; nearest: ", join(nearest_names(name, names())), "; known: ", join(names()));
  TESSEL_CHECK(options.num_classes >= 1, "models::create: ", name, ": num_classes is ",
               options.num_classes, ", needs at least 1");
  return it->second(options);
}

}  // namespace tessel::models
