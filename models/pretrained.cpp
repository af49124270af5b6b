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

}  // namespace

std::string BackboneLoad::summary() const {
  return "loaded " + std::to_string(loaded) + "/" + std::to_string(total) +
         " backbone tensors from " + path + " into " + backbone +
         "; missing: " + key_list(keys.missing_keys) +
         "; unexpected: " + key_list(keys.unexpected_keys);
}

BackboneLoad load_backbone_weights(SegmentationModel& model, const std::string& path) {
  const std::vector<std::string> parts = model.backbone_paths();
  BackboneLoad r{path, join(parts)};
  TESSEL_CHECK(!parts.empty(), "load_backbone_weights: ", path, ": ", model.type_name(),
               " has no pretrained backbone (it is trained from scratch); a whole network's "
               "weights load with model.weights");
  auto in_parts = [&](const std::string& key) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](const std::string& p) { return key.starts_with(p + "."); });
  };
  // The file's tensors by the model's names: those under the parts' paths; a single part also
  // takes a file of its own names (a classifier's). One load into the model, so that a shape
  // mismatch anywhere leaves all of it untouched.
  const nn::StateDict file = nn::read_safetensors(path).tensors;
  // (A whole network's file: its other keys are the rest of the network, not reported.)
  const bool own_names =
      parts.size() == 1 &&
      std::none_of(file.begin(), file.end(), [&](const auto& kv) { return in_parts(kv.first); });
  nn::StateDict dict;
  for (const auto& [key, t] : file) {
    const std::string name = own_names ? parts[0] + "." + key : key;
    if (in_parts(name)) dict.insert(name, t);
  }
  nn::IncompatibleKeys keys;
  try {
    keys = model.load_state_dict(dict, /*strict=*/false);
  } catch (const Error& e) {
    TESSEL_FAIL("load_backbone_weights: ", path, ": ", e.what());
  }
  // Reported by the backbone's own names when it is one module.
  auto relative = [&](const std::string& key) {
    return parts.size() == 1 ? key.substr(parts[0].size() + 1) : key;
  };
  for (const auto& [key, t] : model.state_dict()) r.total += in_parts(key);
  for (const std::string& key : keys.missing_keys)
    if (in_parts(key)) r.keys.missing_keys.push_back(relative(key));
  for (const std::string& key : keys.unexpected_keys)
    r.keys.unexpected_keys.push_back(relative(key));
  r.loaded = r.total - int64_t(r.keys.missing_keys.size());
  TESSEL_CHECK(r.loaded > 0, "load_backbone_weights: ", path, ": none of its ", file.size(),
               " tensors is a key of ", model.type_name(), "'s ", r.backbone, " (the file has ",
               key_list(names(file), 4), "; the backbone has ", key_list(r.keys.missing_keys, 4),
               "): convert the checkpoint with tools/convert_weights.py");
  return r;
}

}  // namespace tessel::models
