#include "models/registry.h"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>

namespace tessel::models {
namespace {

const Registry& registry() {
  static const Registry table = [] {
    Registry t;
    add_torchvision_models(t);
    add_pyramid_models(t);
    add_realtime_models(t);
    return t;
  }();
  return table;
}

// Levenshtein distance: how many single-character edits turn a into b.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t(0));
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& items) {
  std::ostringstream os;
  for (size_t i = 0; i < items.size(); ++i) os << (i ? ", " : "") << items[i];
  return os.str();
}

// The (up to) three known names closest to `name`, closest first.
std::vector<std::string> nearest_names(const std::string& name) {
  std::vector<std::string> known = names();
  std::stable_sort(known.begin(), known.end(), [&](const std::string& a, const std::string& b) {
    return edit_distance(name, a) < edit_distance(name, b);
  });
  known.resize(std::min<size_t>(known.size(), 3));
  return known;
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
               "'; nearest: ", join(nearest_names(name)), "; known: ", join(names()));
  TESSEL_CHECK(options.num_classes >= 1, "models::create: ", name, ": num_classes is ",
               options.num_classes, ", needs at least 1");
  return it->second(options);
}

}  // namespace tessel::models
