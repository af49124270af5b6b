#include <filesystem>

#include "core/error.h"
#include "data/json_colour.h"
#include "data/mapped_dataset.h"
#include "data/more_datasets.h"

namespace tessel::data {
namespace {

namespace fs = std::filesystem;

// The first of `candidates` that exists, else an error listing them all.
fs::path first_existing(const std::vector<fs::path>& candidates, const char* what) {
  for (const fs::path& p : candidates)
    if (fs::exists(p)) return p;
  std::string tried;
  for (const fs::path& p : candidates) tried += " '" + p.string() + "'";
  TESSEL_FAIL("mapillary: no ", what, ": tried", tried);
}

}  // namespace

std::unique_ptr<Dataset> mapillary_dataset(const std::string& root, const std::string& split,
                                           const std::string& version) {
  fs::path r(root);
  const std::string path =
      first_existing({r / ("config_" + version + ".json"), r / "config.json"}, "config").string();
  const Json json = read_json(path);
  const JsonRef config = JsonRef::document(json, path);
  std::vector<JsonRef> labels = config.at("labels").elements();
  TESSEL_CHECK(!labels.empty() && labels.size() < 255, "mapillary: ", config.at("labels").where(),
               " has ", labels.size(), " labels, expected 1..254 (255 is the ignore index)");

  ClassInfo classes;
  LabelTable table = LabelTable::identity(int64_t(labels.size()), classes.ignore_index,
                                          "Mapillary labels are the config's label ids");
  for (size_t i = 0; i < labels.size(); ++i) {
    std::optional<JsonRef> readable = labels[i].find("readable");
    classes.names.push_back((readable ? *readable : labels[i].at("name")).string());
    classes.colours.push_back(rgb_of(labels[i].at("color")));
    if (!labels[i].at("evaluate").boolean()) table.to[i] = int16_t(classes.ignore_index);
  }
  fs::path split_dir = r / split;
  fs::path label_dir =
      first_existing({split_dir / version / "labels", split_dir / "labels"}, "label folder");
  std::vector<Rgb> mask_colours = classes.colours;
  return std::make_unique<MappedDataset>(
      pair_files((split_dir / "images").string(), label_dir.string()), std::move(classes),
      std::move(table), std::move(mask_colours));
}

}  // namespace tessel::data
