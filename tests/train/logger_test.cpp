// The console log kept as train.log, and progress lines for long loops.
#include "train/logger.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/data/temp_dir.h"

namespace tessel::train {
namespace {

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ConsoleLog, KeepsWhatWasShownAndAppendsWhenResuming) {
  testing::TempDir dir;
  const std::string path = dir.path("train.log");
  {
    ConsoleLog log(path, false);
    log.info("iter 1/2\n");
    log.warn("iteration 2: loss nan\n");
  }
  EXPECT_EQ(contents(path), "iter 1/2\nwarning: iteration 2: loss nan\n");
  ConsoleLog(path, true).info("resumed\n");
  EXPECT_EQ(contents(path), "iter 1/2\nwarning: iteration 2: loss nan\nresumed\n");
  ConsoleLog(path, false).info("fresh\n");
  EXPECT_EQ(contents(path), "fresh\n");
}

TEST(ProgressMeter, PrintsCountRateAndEtaButNotTheEnd) {
  std::vector<std::string> lines;
  ProgressMeter meter(
      "evaluating images", 4, [&](const std::string& l) { lines.push_back(l); }, 0);
  meter.advance(1);
  meter.advance(2);
  meter.advance(1);  // done: the caller reports the result
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("evaluating images: 1/4  ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("evaluating images: 3/4  ", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find("/s  ETA 0:"), std::string::npos) << lines[1];
  ProgressMeter quiet("x", 100, [&](const std::string& l) { lines.push_back(l); });
  quiet.advance(50);  // within the first 10 seconds: nothing
  EXPECT_EQ(lines.size(), 2u);
}

}  // namespace
}  // namespace tessel::train
