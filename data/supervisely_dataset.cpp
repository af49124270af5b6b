#include <filesystem>

#include "data/mapped_dataset.h"
#include "data/more_datasets.h"

namespace tessel::data {

std::unique_ptr<Dataset> supervisely_persons_dataset(const std::string& root,
                                                     const std::string& split) {
  namespace fs = std::filesystem;
  fs::path dir = split_root(root, split);
  ClassInfo classes{{"background", "person"}, {Rgb{0, 0, 0}, Rgb{192, 128, 128}}};
  LabelTable table;
  table.to.fill(LabelTable::kNoLabel);
  table.to[0] = 0;
  table.to[1] = table.to[255] = 1;
  table.rule = "Supervisely person masks hold 0 for background and 1 or 255 for person";
  // Grey masks saved as RGB decode to their grey level, which the table then maps.
  std::vector<Rgb> greys(256);
  for (size_t v = 0; v < greys.size(); ++v) greys[v] = {uint8_t(v), uint8_t(v), uint8_t(v)};
  return std::make_unique<MappedDataset>(
      pair_files((dir / "images").string(), (dir / "masks").string()), std::move(classes),
      std::move(table), std::move(greys));
}

}  // namespace tessel::data
