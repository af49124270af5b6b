// COCO-Stuff, Mapillary Vistas, Supervisely persons and Datumaro's common semantic segmentation:
// each reads its own on-disk layout and turns its stored ids into contiguous class indices
// (255 is the ignore index throughout).
#pragma once

#include <memory>
#include <string>

#include "data/dataset.h"

namespace tessel::data {

// COCO-Stuff 164k:
//   root/images/{train2017,val2017}/<name>.jpg
//   root/stuffthingmaps_trainval2017/{train2017,val2017}/<name>.png (or the PNGs directly there)
// Maps store id - 1 of the 182 official ids (0 = person, ..., 181 = wood, 255 = unlabeled). The
// 11 ids COCO never used (street sign, hat, shoe, ...) are dropped: 171 classes in official
// order, as mmsegmentation trains them; unused ids read as ignore.
ClassInfo coco_stuff_classes();
std::unique_ptr<Dataset> coco_stuff_dataset(const std::string& root,
                                            const std::string& split = "train2017");

// Mapillary Vistas v1.2 (66 labels) or v2.0 (124 labels), whichever the config says:
//   root/config_<version>.json, or root/config.json (the v1.2-only release)
//   root/<split>/images/<name>.jpg        split: training, validation
//   root/<split>/<version>/labels/<name>.png, or root/<split>/labels/<name>.png
// Classes are the config's labels in order, so indices equal the official ids; labels with
// "evaluate": false are read as ignore (their classes then never appear). Label images may be
// palette PNGs (index = id) or RGB in the config's colours.
std::unique_ptr<Dataset> mapillary_dataset(const std::string& root,
                                           const std::string& split = "training",
                                           const std::string& version = "v1.2");

// Supervisely persons, converted to masks: root[/split]/images/<name>.*, masks/<name>.png.
// Rule: 0 is background; 1 and 255 are person (both conventions are in circulation, so 0/255
// masks are read as meant rather than as ignore). Other values are an error naming the file.
// Grey masks saved as RGB are read too.
std::unique_ptr<Dataset> supervisely_persons_dataset(const std::string& root,
                                                     const std::string& split = "");

// Datumaro common semantic segmentation: root[/split]/dataset_meta.json, images/, masks/.
// dataset_meta.json: "label_map" {"0": "background", "1": "car", ...} (or a "labels" list) and
// optional "segmentation_colors" [[r, g, b], ...] by class index. Masks are index PNGs, or RGB
// in those colours.
std::unique_ptr<Dataset> datumaro_dataset(const std::string& root, const std::string& split = "");

}  // namespace tessel::data
