#include <charconv>
#include <filesystem>

#include "core/error.h"
#include "data/image_io.h"
#include "data/json_colour.h"
#include "data/mapped_dataset.h"
#include "data/more_datasets.h"

namespace tessel::data {

std::unique_ptr<Dataset> datumaro_dataset(const std::string& root, const std::string& split) {
  namespace fs = std::filesystem;
  fs::path dir = split_root(root, split);
  const std::string path = (dir / "dataset_meta.json").string();
  const Json json = read_json(path);
  const JsonRef meta = JsonRef::document(json, path);

  ClassInfo classes;
  if (std::optional<JsonRef> label_map = meta.find("label_map")) {
    // Keys are class indices written as strings, in any order; every index up to the largest
    // must be named.
    for (const auto& [key, name] : label_map->members()) {
      int64_t index = -1;
      const char* end = key.data() + key.size();
      bool whole = std::from_chars(key.data(), end, index).ptr == end && !key.empty();
      TESSEL_CHECK(whole && index >= 0 && index < 255, "datumaro: ", label_map->where(), ": key '",
                   key, "' is not a class index 0..254");
      if (size_t(index) >= classes.names.size()) classes.names.resize(size_t(index) + 1);
      classes.names[size_t(index)] = name.string();
    }
    for (size_t i = 0; i < classes.names.size(); ++i)
      TESSEL_CHECK(!classes.names[i].empty(), "datumaro: ", label_map->where(), " names no class ",
                   i, " (classes must be numbered 0..", classes.names.size() - 1, ")");
  } else {
    for (const JsonRef& name : meta.at("labels").elements()) classes.names.push_back(name.string());
  }
  TESSEL_CHECK(!classes.names.empty() && classes.names.size() < 255, "datumaro: ", meta.where(),
               " has ", classes.names.size(), " classes, expected 1..254");

  std::vector<Rgb> mask_colours;  // none: masks hold indices
  if (std::optional<JsonRef> colours = meta.find("segmentation_colors")) {
    for (const JsonRef& c : colours->elements()) mask_colours.push_back(rgb_of(c));
    TESSEL_CHECK(mask_colours.size() == classes.names.size(), "datumaro: ", colours->where(),
                 " has ", mask_colours.size(), " colours for ", classes.names.size(), " classes");
  }
  classes.colours = mask_colours.empty() ? voc_palette(int(classes.names.size())) : mask_colours;
  LabelTable table =
      LabelTable::identity(classes.num_classes(), classes.ignore_index,
                           "Datumaro masks hold class indices from dataset_meta.json");
  return std::make_unique<MappedDataset>(
      pair_files((dir / "images").string(), (dir / "masks").string()), std::move(classes),
      std::move(table), std::move(mask_colours));
}

}  // namespace tessel::data
