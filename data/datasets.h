// The standard formats (a plain folder, Pascal VOC 2012, Cityscapes, ADE20K) and the built-in
// synthetic dataset. Each reads its own on-disk layout and turns the stored ids into contiguous
// class indices, 255 being the ignore index throughout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "data/dataset.h"

namespace tessel::data {

// root/images/<stem>.<any image extension> paired with root/masks/<stem>.<ext> by stem, and a
// class list (default root/classes.txt): one class per line, "name" or "name r g b"; the colours,
// when given for every class, decode RGB masks. Stems on one side only are an error listing them.
std::unique_ptr<Dataset> folder_dataset(const std::string& root,
                                        const std::string& class_file = "");
// Writes any dataset in that layout: root/images/<NNNNNN>.png, root/masks/<NNNNNN>.png (palette
// PNGs of the class indices, coloured with the classes' colours) and root/classes.txt with the
// names and colours, so that folder_dataset(root) reads back the same samples. Each file is
// written whole (temporary name, then rename); existing files of the same names are replaced.
void write_folder_dataset(const Dataset& set, const std::string& root);

// Pascal VOC 2012 (root = VOCdevkit/VOC2012): JPEGImages/<id>.jpg, SegmentationClass/<id>.png
// (palette PNGs, 255 = ignore), ImageSets/Segmentation/<split>.txt. For "train", the SBD
// augmented set (ImageSets/Segmentation/train_aug.txt + SegmentationClassAug/) is used when both
// are present: the 10582-image training set the literature reports on.
ClassInfo voc_classes();
std::unique_ptr<Dataset> voc_dataset(const std::string& root, const std::string& split = "train");

// Cityscapes fine annotations: leftImg8bit/<split>/<city>/<name>_leftImg8bit.png with
// gtFine/<split>/<city>/<name>_gtFine_labelIds.png; labelIds map to the 19 official trainIds,
// every other id to 255.
ClassInfo cityscapes_classes();
std::unique_ptr<Dataset> cityscapes_dataset(const std::string& root,
                                            const std::string& split = "train");

// ADE20K SceneParsing (root = ADEChallengeData2016): images/<split>/<name>.jpg with
// annotations/<split>/<name>.png, split "training" or "validation". 0 ("other") is ignored and
// labels 1..150 shift down by one: 150 classes.
ClassInfo ade20k_classes();
std::unique_ptr<Dataset> ade20k_dataset(const std::string& root,
                                        const std::string& split = "training");

// Shapes of five classes (rectangle, disc, triangle, ring, stripes) over textured backgrounds
// (class 0): gradients, noise and a random wave pattern. Shape colours are drawn around a class
// colour with a spread wide enough that classes overlap, so colour alone does not tell them
// apart. Sample i depends only on (seed, i): get(i) is the same from any thread, in any order.
struct SyntheticOptions {
  size_t count = 256;
  int64_t height = 64, width = 64;
  uint64_t seed = 0;
  int max_shapes = 4;
};

class SyntheticDataset : public Dataset {
 public:
  explicit SyntheticDataset(SyntheticOptions options = {});
  size_t size() const override { return options_.count; }
  Sample get(size_t i) const override;
  const ClassInfo& classes() const override { return classes_; }

 private:
  SyntheticOptions options_;
  ClassInfo classes_;
};

}  // namespace tessel::data
