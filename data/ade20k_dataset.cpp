#include <algorithm>
#include <filesystem>
#include <string_view>

#include "data/datasets.h"
#include "data/image_io.h"
#include "data/mapped_dataset.h"

namespace tessel::data {
namespace {

// objectInfo150 of the SceneParsing benchmark (first name of each entry), label 1 first.
constexpr const char* kNames =
    "wall,building,sky,floor,tree,ceiling,road,bed,windowpane,grass,cabinet,sidewalk,person,"
    "earth,door,table,mountain,plant,curtain,chair,car,water,painting,sofa,shelf,house,sea,"
    "mirror,rug,field,armchair,seat,fence,desk,rock,wardrobe,lamp,bathtub,railing,cushion,base,"
    "box,column,signboard,chest of drawers,counter,sand,sink,skyscraper,fireplace,refrigerator,"
    "grandstand,path,stairs,runway,case,pool table,pillow,screen door,stairway,river,bridge,"
    "bookcase,blind,coffee table,toilet,flower,book,hill,bench,countertop,stove,palm,"
    "kitchen island,computer,swivel chair,boat,bar,arcade machine,hovel,bus,towel,light,truck,"
    "tower,chandelier,awning,streetlight,booth,television receiver,airplane,dirt track,apparel,"
    "pole,land,bannister,escalator,ottoman,bottle,buffet,poster,stage,van,ship,fountain,"
    "conveyer belt,canopy,washer,plaything,swimming pool,stool,barrel,basket,waterfall,tent,bag,"
    "minibike,cradle,oven,ball,food,step,tank,trade name,microwave,pot,animal,bicycle,lake,"
    "dishwasher,screen,blanket,sculpture,hood,sconce,vase,traffic light,tray,ashcan,fan,pier,"
    "crt screen,plate,monitor,bulletin board,shower,radiator,glass,clock,flag";

}  // namespace

ClassInfo ade20k_classes() {
  ClassInfo info;
  for (std::string_view rest = kNames; !rest.empty();) {
    size_t comma = std::min(rest.find(','), rest.size());
    info.names.emplace_back(rest.substr(0, comma));
    rest.remove_prefix(std::min(comma + 1, rest.size()));
  }
  info.colours = voc_palette(150);
  return info;
}

std::unique_ptr<Dataset> ade20k_dataset(const std::string& root, const std::string& split) {
  namespace fs = std::filesystem;
  std::vector<FilePair> files = pair_files((fs::path(root) / "images" / split).string(),
                                           (fs::path(root) / "annotations" / split).string());
  LabelTable table{{}, "ADE20K: 0 = other (ignored), 1..150 = classes 0..149"};
  table.to.fill(LabelTable::kNoLabel);
  table.to[0] = 255;
  for (int v = 1; v <= 150; ++v) table.to[size_t(v)] = int16_t(v - 1);
  return std::make_unique<MappedDataset>(std::move(files), ade20k_classes(), std::move(table));
}

}  // namespace tessel::data
