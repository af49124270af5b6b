// Files a user might hand us that are hostile or broken (tests/fixtures/gen_bad_images.py): each
// is a tessel::Error naming the file, in process, and `tessel-data check` on a folder dataset
// holding one as a mask exits 1 with the file named, no signal, and a small peak RSS.
#include "data/decode_limits.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/image_io.h"
#include "tests/data/mask_files.h"
#include "tests/data/temp_dir.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

namespace tessel::data {
namespace {

std::string bad(const std::string& name) {
  return tessel::testing::fixture_path("bad/" + name);
}

// Restores the default limits when a test that changed them ends.
struct LimitsGuard {
  ~LimitsGuard() { set_decode_limits({}); }
};

struct Crafted {
  const char* file;
  const char* message;  // besides the file's path
};

const Crafted kCrafted[] = {
    {"overflow_ihdr.png", "PNG unsigned integer out of range"},
    {"huge_60000.png",
     "declared size 60000x60000 (3600000000 pixels) is over the limit of 268435456 pixels; if "
     "the file is genuine, raise the limit with the recipe key data.max_pixels or the tools' "
     "--max-pixels flag"},
    {"ihdr_not_first.png", "gAMA: missing IHDR"},
    {"truncated_idat.png", "Read Error"},
    {"bad_crc.png", "IDAT: "},
    {"palette_oob.png", "palette index 9 at (0, 2) is beyond the 4-entry palette"},
    {"zero_size.png", "Image width is zero in IHDR"},
    {"truncated.jpg", "Premature end of JPEG file"},
    {"huge.jpg", "declared size 65500x65500 (4290250000 pixels) is over the limit of 268435456"},
    {"huge_progressive.jpg",
     "a progressive 16000 x 16000 image needs more coefficient memory than a file of its size "
     "could fill"},
};

TEST(DecodeLimits, CraftedFilesAreErrorsNamingTheFile) {
  for (const Crafted& c : kCrafted) {
    SCOPED_TRACE(c.file);
    const std::string path = bad(c.file);
    EXPECT_ERROR(read_mask(path), path);
    EXPECT_ERROR(read_mask(path), c.message);
    EXPECT_ERROR(read_image(path), path);
  }
}

TEST(DecodeLimits, PixelLimitIsRaisedAndLowered) {
  LimitsGuard restore;
  testing::TempDir dir;
  testing::write_grey_mask(dir.path("m.png"), 40, 50, std::vector<uint8_t>(2000, 1));
  write_jpeg(dir.path("m.jpg"), Image{40, 50, 3, 8, std::vector<uint8_t>(6000, 9)});
  set_decode_limits({2000});
  EXPECT_EQ(read_mask(dir.path("m.png")).labels.size(), 2000u);
  EXPECT_EQ(read_image(dir.path("m.jpg")).bytes.size(), 6000u);
  set_decode_limits({1999});
  EXPECT_ERROR(read_mask(dir.path("m.png")),
               dir.path("m.png") + ": declared size 50x40 (2000 pixels) is over the limit of 1999");
  EXPECT_ERROR(read_image(dir.path("m.jpg")),
               dir.path("m.jpg") + ": declared size 50x40 (2000 pixels) is over the limit of 1999");
  EXPECT_ERROR(set_decode_limits({0}), "max_pixels must be at least 1");
}

struct ProbeRun {
  std::string status;  // "exit N" or "signal N"
  long maxrss_kb = -1;
  std::string output;
};

// tessel-data through tests/rss_probe.cpp, which measures its peak RSS with wait4().
ProbeRun run_tessel_data(const testing::TempDir& dir, const std::string& args) {
  const std::string log = dir.path("tool.log");
  const std::string command =
      std::string(TESSEL_RSS_PROBE) + " " + log + " " + TESSEL_TOOLS_DIR + "/tessel-data " + args;
  ProbeRun r;
  if (FILE* p = popen(command.c_str(), "r")) {
    char word[32] = {};
    int code = -1;
    if (std::fscanf(p, "%31s %d maxrss_kb %ld", word, &code, &r.maxrss_kb) == 3)
      r.status = std::string(word) + " " + std::to_string(code);
    pclose(p);
  }
  std::ifstream in(log);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

// The decoder's own memory: what a run holds beyond the tool's footprint at start-up.
void expect_small_rss(const ProbeRun& r, long startup_kb) {
  EXPECT_GT(r.maxrss_kb, 0);
  EXPECT_LT(r.maxrss_kb - startup_kb, 64 * 1024) << r.output;
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(r.maxrss_kb, 200 * 1024) << r.output;
#endif
}

// A tool starts with what it needs: cuBLAS is opened at its first use (kernels/cuda/cublas.h),
// since linking it made every process of a CUDA build ~210 MB resident before main().
TEST(DecodeLimits, ToolStartsSmall) {
  testing::TempDir dir;
  ProbeRun r = run_tessel_data(dir, "--help");
  EXPECT_EQ(r.status, "exit 0") << r.output;
  EXPECT_GT(r.maxrss_kb, 0);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(r.maxrss_kb, 48 * 1024) << r.output;
#endif
}

TEST(DecodeLimits, ToolCheckOnCraftedMasksExitsOneWithSmallRss) {
  testing::TempDir dir;
  const long startup_kb = run_tessel_data(dir, "--help").maxrss_kb;
  for (const Crafted& c : kCrafted) {
    SCOPED_TRACE(c.file);
    const std::string stem = std::filesystem::path(c.file).stem().string();
    const std::string root = dir.path(stem);
    dir.write_text(stem + "/classes.txt", "background\nthing\n");
    testing::write_image(dir.path(stem + "/images/a.png"), 8, 8);
    const std::string mask =
        dir.path(stem + "/masks/a" + std::filesystem::path(c.file).extension().string());
    std::filesystem::copy_file(bad(c.file), mask);
    ProbeRun r = run_tessel_data(dir, "check folder " + root);
    EXPECT_EQ(r.status, "exit 1") << r.output;
    EXPECT_NE(r.output.find(mask), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(std::string(c.file).ends_with(".jpg") ? "have JPEG masks"
                                                                  : "could not be read"),
              std::string::npos)
        << r.output;
    expect_small_rss(r, startup_kb);
    std::printf("[ rss ] %-20s %s, peak RSS %.1f MB (%.1f MB at start-up)\n", c.file,
                r.status.c_str(), double(r.maxrss_kb) / 1024, double(startup_kb) / 1024);
  }
  // --max-pixels raises the limit: the 60000x60000 file then fails on its data, still small.
  ProbeRun r =
      run_tessel_data(dir, "check folder " + dir.path("huge_60000") + " --max-pixels 4000000000");
  EXPECT_EQ(r.status, "exit 1") << r.output;
  EXPECT_EQ(r.output.find("over the limit"), std::string::npos) << r.output;
#ifndef __SANITIZE_ADDRESS__
  // Not under ASan: it poisons shadow memory for the 3.6 GB the decoder reserves (an eighth of
  // it, ~450 MB, becomes resident), though the decoder itself touches only the rows it reads.
  expect_small_rss(r, startup_kb);
#endif
}

}  // namespace
}  // namespace tessel::data
