// The index files of the dataset formats: Mapillary's config.json, Datumaro's dataset_meta.json,
// a Pascal VOC split list and a folder dataset's classes.txt. The first byte picks the format, the
// rest is the file; each format's folder holds one image and one mask, so an index that parses
// also has its first sample read through the class table it defined. (Cityscapes, ADE20K,
// COCO-Stuff and Supervisely have no index file: their layout is the folder tree, and their
// masks are the mask target's.)
#include <filesystem>

#include "data/image_io.h"
#include "data/open_dataset.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/small_decode_limits.h"

namespace {

namespace fs = std::filesystem;
using namespace tessel::data;

struct Format {
  const char* name;   // as open_dataset takes it
  const char* index;  // the index file, under the format's root
  const char* image;  // the one image and mask
  const char* mask;
};

constexpr Format kFormats[] = {
    {"mapillary-v1.2", "config.json", "training/images/a.png", "training/labels/a.png"},
    {"datumaro", "dataset_meta.json", "images/a.png", "masks/a.png"},
    {"voc", "ImageSets/Segmentation/train.txt", "JPEGImages/a.jpg", "SegmentationClass/a.png"},
    {"folder", "classes.txt", "images/a.png", "masks/a.png"},
};

// Each format's root with its image and mask, written once per process.
std::string root_of(const Format& f) {
  const std::string root = tessel::fuzz::scratch_dir() + "/" + f.name;
  if (fs::exists(root)) return root;
  Image image{
      .height = 3, .width = 5, .channels = 3, .bits = 8, .bytes = std::vector<uint8_t>(45, 7)};
  Mask mask{.height = 3, .width = 5, .labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 255}};
  for (const char* file : {f.image, f.mask, f.index})
    fs::create_directories(fs::path(root + "/" + file).parent_path());
  const std::string image_path = root + "/" + f.image;
  if (image_path.ends_with(".jpg"))
    write_jpeg(image_path, image);
  else
    write_png(image_path, image);
  write_palette_png(root + "/" + f.mask, mask, voc_palette(21));
  return root;
}

}  // namespace

TESSEL_FUZZ_TARGET(dataset_index) {
  if (input.empty()) return;
  tessel::fuzz::SmallDecodeLimits limits;
  const Format& f = kFormats[uint8_t(input[0]) % std::size(kFormats)];
  const std::string root = root_of(f);
  tessel::fuzz::write_input(std::string(f.name) + "/" + f.index, input.substr(1));
  tessel::fuzz::expect_clean(root, [&] {
    std::unique_ptr<Dataset> set = open_dataset(f.name, root);
    if (set->size() > 0) set->get(0);
  });
}
