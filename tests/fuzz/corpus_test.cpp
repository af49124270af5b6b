// The fuzz targets' bodies (fuzz/*_fuzz.cpp, linked into this suite) over their committed seeds
// (fuzz/corpus/<target>/) and over every input fuzzing ever crashed them with
// (fuzz/regressions/<target>/): each must parse or be refused with an error naming the file.
// Here they run in the normal build and, in CI's second run, under ASan and UBSan.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/fuzz_target.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(FuzzCorpus, EveryTargetHasSeeds) {
  const auto& targets = tessel::fuzz::targets();
  for (const char* name : {"image", "mask", "safetensors", "json", "recipe", "dataset_index"})
    EXPECT_TRUE(targets.count(name)) << name;
  for (const auto& [name, target] : targets)
    EXPECT_FALSE(files_in(fs::path(TESSEL_FUZZ_DIR) / "corpus" / name).empty()) << name;
}

TEST(FuzzCorpus, SeedsAndRegressionsParseOrAreRefusedCleanly) {
  size_t inputs = 0;
  for (const auto& [name, target] : tessel::fuzz::targets())
    for (const char* kind : {"corpus", "regressions"})
      for (const fs::path& file : files_in(fs::path(TESSEL_FUZZ_DIR) / kind / name)) {
        SCOPED_TRACE(file.string());
        EXPECT_NO_THROW(target(contents(file)));
        ++inputs;
      }
  EXPECT_GT(inputs, 20u);
}
