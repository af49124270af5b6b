// tessel-data check FORMAT ROOT [--split S]: validates a dataset before training on it (see
// data/check.h) and prints per-class statistics and class weights. Exit code 0: no errors;
// 1: the dataset has errors; 2: it could not be opened or the command line is wrong.
#include <cstring>
#include <iostream>
#include <string>

#include "data/check.h"
#include "data/open_dataset.h"

namespace {

int usage() {
  std::cerr << "usage: tessel-data check FORMAT ROOT [--split S]\nformats:";
  for (const std::string& f : tessel::data::dataset_formats()) std::cerr << " " << f;
  std::cerr << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[1], "check") != 0) return usage();
  std::string split;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--split") == 0 && i + 1 < argc)
      split = argv[++i];
    else
      return usage();
  }
  return tessel::data::run_check(argv[2], argv[3], split, std::cout);
}
