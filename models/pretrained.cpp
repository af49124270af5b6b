#include "models/pretrained.h"

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"
#include "nn/safetensors.h"

namespace tessel::models {
namespace {

// Up to `limit` keys, then how many more: the file of another network has hundreds.
std::string key_list(const std::vector<std::string>& keys, size_t limit = 8) {
  if (keys.empty()) return "none";
  std::string s = join(std::vector<std::string>(
      keys.begin(), keys.begin() + ptrdiff_t(std::min(limit, keys.size()))));
  if (keys.size() > limit) s += " and " + std::to_string(keys.size() - limit) + " more";
  return s;
}

std::vector<std::string> names(const nn::StateDict& dict) {
  std::vector<std::string> out;
  for (const auto& [key, t] : dict) out.push_back(key);
  return out;
}

// The file's tensors by the backbone's own names: the keys under `path.` with it removed when
// there are any, else all of them.
nn::StateDict under_path(nn::StateDict file, const std::string& path) {
  const std::string prefix = path + ".";
  nn::StateDict inside;
  for (const auto& [key, t] : file)
    if (key.starts_with(prefix)) inside.insert(key.substr(prefix.size()), t);
  return inside.size() ? inside : file;
}

}  // namespace

std::string BackboneLoad::summary() const {
  return "loaded " + std::to_string(loaded) + "/" + std::to_string(total) +
         " backbone tensors from " + path + " into " + backbone +
         "; missing: " + key_list(keys.missing_keys) +
         "; unexpected: " + key_list(keys.unexpected_keys);
}

BackboneLoad load_backbone_weights(SegmentationModel& model, const std::string& path) {
  BackboneLoad r{path, model.backbone_path()};
  TESSEL_CHECK(!r.backbone.empty(), "load_backbone_weights: ", path, ": ", model.type_name(),
               " has no pretrained backbone (it is trained from scratch); a whole network's "
               "weights load with model.weights");
  nn::ModulePtr backbone = model.get_submodule(r.backbone);
  nn::StateDict dict = under_path(nn::read_safetensors(path).tensors, r.backbone);
  r.total = int64_t(backbone->state_dict().size());
  try {
    r.keys = backbone->load_state_dict(dict, /*strict=*/false);
  } catch (const Error& e) {
    TESSEL_FAIL("load_backbone_weights: ", path, ": ", e.what());
  }
  r.loaded = r.total - int64_t(r.keys.missing_keys.size());
  TESSEL_CHECK(r.loaded > 0, "load_backbone_weights: ", path, ": none of its ", dict.size(),
               " tensors is a key of ", model.type_name(), "'s ", r.backbone, " (the file has ",
               key_list(names(dict), 4), "; the backbone has ",
               key_list(names(backbone->state_dict()), 4),
               "): convert the checkpoint with tools/convert_weights.py");
  return r;
}

}  // namespace tessel::models
