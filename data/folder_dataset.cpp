#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "core/error.h"
#include "data/datasets.h"
#include "data/image_io.h"
#include "data/mapped_dataset.h"

namespace tessel::data {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> files_by_stem(const fs::path& dir) {
  TESSEL_CHECK(fs::is_directory(dir), "folder_dataset: folder '", dir.string(), "' not found");
  std::map<std::string, std::string> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto [it, added] = out.emplace(e.path().stem().string(), e.path().string());
    TESSEL_CHECK(added, "folder_dataset: '", it->second, "' and '", e.path().string(),
                 "' share the stem '", it->first, "'");
  }
  return out;
}

// Stems of `a` missing from `b`, comma separated.
std::string missing_from(const std::map<std::string, std::string>& a,
                         const std::map<std::string, std::string>& b, size_t& count) {
  std::string out;
  for (const auto& [stem, path] : a)
    if (!b.count(stem)) out += (count++ ? ", " : "") + stem;
  return out;
}

// "name" or "name r g b" per line; names may contain spaces, so a colour is the last three
// tokens when they are all numbers.
ClassInfo read_class_file(const std::string& path) {
  std::ifstream in(path);
  TESSEL_CHECK(in.good(), "folder_dataset: cannot open the class list '", path, "'");
  ClassInfo info;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::vector<std::string> tokens;
    std::istringstream ls(line);
    for (std::string t; ls >> t;) tokens.push_back(t);
    if (tokens.empty()) continue;
    int rgb[3];
    bool coloured = tokens.size() >= 4;
    for (int c = 0; coloured && c < 3; ++c) {
      const std::string& t = tokens[tokens.size() - 3 + size_t(c)];
      coloured = t.find_first_not_of("0123456789") == std::string::npos && t.size() <= 3 &&
                 (rgb[c] = std::stoi(t)) <= 255;
    }
    TESSEL_CHECK(info.names.empty() || coloured == !info.colours.empty(), "folder_dataset: ", path,
                 ": line ", number, " ('", line, "'): give a colour for every class or for none");
    if (coloured) {
      tokens.resize(tokens.size() - 3);
      info.colours.push_back({uint8_t(rgb[0]), uint8_t(rgb[1]), uint8_t(rgb[2])});
    }
    std::string name = tokens[0];
    for (size_t t = 1; t < tokens.size(); ++t) name += " " + tokens[t];
    info.names.push_back(name);
  }
  TESSEL_CHECK(!info.names.empty() && info.names.size() <= 255, "folder_dataset: ", path, ": ",
               info.names.size(), " classes, expected 1 to 255");
  return info;
}

}  // namespace

std::unique_ptr<Dataset> folder_dataset(const std::string& root, const std::string& class_file) {
  ClassInfo classes =
      read_class_file(class_file.empty() ? (fs::path(root) / "classes.txt").string() : class_file);
  std::vector<Rgb> mask_colours = classes.colours;
  if (classes.colours.empty()) classes.colours = voc_palette(int(classes.names.size()));

  auto images = files_by_stem(fs::path(root) / "images");
  auto masks = files_by_stem(fs::path(root) / "masks");
  size_t no_mask = 0, no_image = 0;
  std::string lonely_images = missing_from(images, masks, no_mask);
  std::string lonely_masks = missing_from(masks, images, no_image);
  TESSEL_CHECK(no_mask + no_image == 0, "folder_dataset: ", root, ": ", no_mask,
               " image(s) without a mask [", lonely_images, "], ", no_image,
               " mask(s) without an image [", lonely_masks, "]");
  TESSEL_CHECK(!images.empty(), "folder_dataset: no images in '", root, "/images'");

  std::vector<FilePair> files;
  for (const auto& [stem, path] : images) files.emplace_back(path, masks.at(stem));
  LabelTable table = LabelTable::identity(classes.num_classes(), classes.ignore_index,
                                          "class indices of the class list, and 255");
  return std::make_unique<MappedDataset>(std::move(files), std::move(classes), std::move(table),
                                         std::move(mask_colours));
}

void write_folder_dataset(const Dataset& set, const std::string& root) {
  const ClassInfo& classes = set.classes();
  for (const char* sub : {"images", "masks"}) fs::create_directories(fs::path(root) / sub);
  // A file appears under its name only once complete: an interrupted export leaves no torn PNG.
  auto write_whole = [](const fs::path& path, const std::function<void(const std::string&)>& w) {
    fs::path tmp = path;
    tmp += ".tmp";
    w(tmp.string());
    fs::rename(tmp, path);
  };
  write_whole(fs::path(root) / "classes.txt", [&](const std::string& tmp) {
    std::ofstream out(tmp);
    for (size_t c = 0; c < classes.names.size(); ++c) {
      out << classes.names[c];
      if (c < classes.colours.size())
        for (uint8_t v : classes.colours[c]) out << " " << int(v);
      out << "\n";
    }
    TESSEL_CHECK(out.flush(), "write_folder_dataset: cannot write ", tmp);
  });
  for (size_t i = 0; i < set.size(); ++i) {
    Sample s = set.get(i);
    char stem[24];
    std::snprintf(stem, sizeof stem, "%06zu", i);
    write_whole(fs::path(root) / "images" / (std::string(stem) + ".png"),
                [&](const std::string& tmp) { write_png(tmp, s.image); });
    write_whole(fs::path(root) / "masks" / (std::string(stem) + ".png"),
                [&](const std::string& tmp) { write_palette_png(tmp, s.mask, classes.colours); });
  }
}

}  // namespace tessel::data
