// tessel-data: datasets on disk.
//   check FORMAT ROOT [--split S] [--max-pixels N]
//                                   validates a dataset before training on it (data/check.h) and
//                                   prints per-class statistics and class weights. Exit 0: no
//                                   errors; 1: the dataset has errors.
//   export FORMAT ROOT OUT [--split S]
//                                   writes the split in the folder layout (images/, palette-PNG
//                                   masks/, classes.txt), e.g. to look at it or to train from it.
//   synth OUT [--count N] [--size S] [--seed K]
//                                   writes Tessel's built-in synthetic shapes in the folder layout;
//                                   a recipe's validation images are --seed 2*train.seed+1.
// Exit code 2: the command line is wrong or the dataset could not be opened or written.
#include <charconv>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/check.h"
#include "data/datasets.h"
#include "data/decode_limits.h"
#include "data/open_dataset.h"

namespace {

int usage() {
  std::cerr << "usage: tessel-data check FORMAT ROOT [--split S] [--max-pixels N]\n"
               "       tessel-data export FORMAT ROOT OUT [--split S]\n"
               "       tessel-data synth OUT [--count N] [--size S] [--seed K]\n"
               "formats:";
  for (const std::string& f : tessel::data::dataset_formats()) std::cerr << " " << f;
  std::cerr << "\n";
  return 2;
}

// The positional arguments and --key value options of argv[2..]; false when malformed or when an
// option is not in `known`.
bool parse(int argc, char** argv, const std::set<std::string>& known,
           std::vector<std::string>& positional, std::map<std::string, std::string>& options) {
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (!a.starts_with("--")) {
      positional.push_back(a);
    } else if (known.count(a) && i + 1 < argc) {
      options[a] = argv[++i];
    } else {
      std::cerr << "tessel-data: unknown option or missing value: " << a << "\n";
      return false;
    }
  }
  return true;
}

int64_t integer(const std::map<std::string, std::string>& o, const std::string& key,
                int64_t fallback) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  int64_t v = -1;
  const char* end = it->second.data() + it->second.size();
  auto [ptr, ec] = std::from_chars(it->second.data(), end, v);
  TESSEL_CHECK(ec == std::errc() && ptr == end && v >= 0, key,
               ": expected a non-negative integer, got '", it->second, "'");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessel;
  if (argc < 2) return usage();
  const std::string command = argv[1];
  std::vector<std::string> pos;
  std::map<std::string, std::string> opt;
  try {
    if (command == "check") {
      if (!parse(argc, argv, {"--split", "--max-pixels"}, pos, opt) || pos.size() != 2)
        return usage();
      if (opt.count("--max-pixels"))  // images and masks declaring more are errors
        data::set_decode_limits({integer(opt, "--max-pixels", 0)});
      return data::run_check(pos[0], pos[1], opt["--split"], std::cout);
    }
    if (command == "export") {
      if (!parse(argc, argv, {"--split"}, pos, opt) || pos.size() != 3) return usage();
      auto set = data::open_dataset(pos[0], pos[1], opt["--split"]);
      data::write_folder_dataset(*set, pos[2]);
      std::cout << set->size() << " samples of " << pos[0] << " " << pos[1] << " -> " << pos[2]
                << "\n";
      return 0;
    }
    if (command == "synth") {
      if (!parse(argc, argv, {"--count", "--size", "--seed"}, pos, opt) || pos.size() != 1)
        return usage();
      data::SyntheticOptions o;
      o.count = size_t(integer(opt, "--count", int64_t(o.count)));
      o.height = o.width = integer(opt, "--size", o.height);
      o.seed = uint64_t(integer(opt, "--seed", int64_t(o.seed)));
      data::write_folder_dataset(data::SyntheticDataset(o), pos[0]);
      std::cout << o.count << " synthetic " << o.height << "x" << o.width << " samples (seed "
                << o.seed << ") -> " << pos[0] << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "tessel-data " << command << ": " << e.what() << "\n";
    return 2;
  }
  return usage();
}
