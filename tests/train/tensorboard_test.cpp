#include "train/tensorboard.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "data/image_io.h"
#include "tests/data/temp_dir.h"

namespace tessel::train {
namespace {

TEST(TensorBoard, Crc32cOfKnownVectors) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  const std::string zeros(32, '\0'), ones(32, '\xFF');
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  const uint32_t c = 0xE3069283u;
  EXPECT_EQ(masked_crc32c("123456789", 9), ((c >> 15) | (c << 17)) + 0xA282EAD8u);
}

// A protobuf reader for the fields we write: varint, fixed64, length-delimited, fixed32.
struct Reader {
  const std::string& s;
  size_t at = 0;
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = uint8_t(s.at(at++));
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  }
  template <typename T>
  T fixed() {
    T v{};
    std::memcpy(&v, s.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
  }
  std::string bytes() {
    const auto n = size_t(varint());
    std::string b = s.substr(at, n);
    at += n;
    return b;
  }
};

struct Event {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version, tag;
  std::optional<float> value;
  std::optional<ImageSummary> image;
};

ImageSummary parse_image(const std::string& data) {
  ImageSummary im;
  for (Reader r{data}; r.at < data.size();) {
    const uint64_t key = r.varint();
    if (key == (1 << 3 | 0)) {
      im.height = int64_t(r.varint());
    } else if (key == (2 << 3 | 0)) {
      im.width = int64_t(r.varint());
    } else if (key == (3 << 3 | 0)) {
      im.channels = int64_t(r.varint());
    } else if (key == (4 << 3 | 2)) {
      im.png = r.bytes();
    } else {
      ADD_FAILURE() << "unexpected image key " << key;
      break;
    }
  }
  return im;
}

Event parse_event(const std::string& data) {
  Event e;
  for (Reader r{data}; r.at < data.size();) {
    const uint64_t key = r.varint();
    if (key == (1 << 3 | 1)) {
      e.wall_time = std::bit_cast<double>(r.fixed<uint64_t>());
    } else if (key == (2 << 3 | 0)) {
      e.step = int64_t(r.varint());
    } else if (key == (3 << 3 | 2)) {
      e.file_version = r.bytes();
    } else if (key == (5 << 3 | 2)) {
      const std::string summary = r.bytes();
      Reader s{summary};
      EXPECT_EQ(s.varint(), uint64_t(1 << 3 | 2));
      const std::string value = s.bytes();
      Reader v{value};
      EXPECT_EQ(v.varint(), uint64_t(1 << 3 | 2));
      e.tag = v.bytes();
      const uint64_t kind = v.varint();
      if (kind == (2 << 3 | 5))
        e.value = v.fixed<float>();
      else if (kind == (4 << 3 | 2))
        e.image = parse_image(v.bytes());
      else
        ADD_FAILURE() << "unexpected value key " << kind;
    } else {
      ADD_FAILURE() << "unexpected key " << key;
      break;
    }
  }
  return e;
}

// The records of a TFRecord file, each checked against its two CRCs.
std::vector<std::string> read_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> records;
  for (size_t at = 0; at < file.size();) {
    EXPECT_LE(at + 12, file.size());
    uint64_t length = 0;
    uint32_t length_crc = 0, data_crc = 0;
    std::memcpy(&length, file.data() + at, 8);
    std::memcpy(&length_crc, file.data() + at + 8, 4);
    EXPECT_EQ(length_crc, masked_crc32c(file.data() + at, 8));
    const std::string data = file.substr(at + 12, length);
    std::memcpy(&data_crc, file.data() + at + 12 + length, 4);
    EXPECT_EQ(data_crc, masked_crc32c(data.data(), data.size()));
    records.push_back(data);
    at += 16 + length;
  }
  return records;
}

TEST(TensorBoard, EventFileParsesBackWithValidCrcs) {
  testing::TempDir dir;
  std::string path;
  {
    EventWriter w((dir.root() / "logs").string());
    path = w.path();
    w.add_scalar("train/loss", 0.5, 3);
    w.add_scalar("val/mIoU", 0.25, 10);
  }
  EXPECT_EQ(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.", 0), 0u);
  const std::vector<std::string> records = read_records(path);
  ASSERT_EQ(records.size(), 3u);
  const Event version = parse_event(records[0]);
  EXPECT_EQ(version.file_version, "brain.Event:2");
  EXPECT_GT(version.wall_time, 1.6e9);
  const Event loss = parse_event(records[1]), miou = parse_event(records[2]);
  EXPECT_EQ(loss.tag, "train/loss");
  EXPECT_EQ(loss.step, 3);
  EXPECT_EQ(loss.value, 0.5f);
  EXPECT_EQ(miou.tag, "val/mIoU");
  EXPECT_EQ(miou.step, 10);
  EXPECT_EQ(miou.value, 0.25f);
  EXPECT_GE(miou.wall_time, version.wall_time);
}

// An image summary holds the PNG file, which decodes back to the image.
TEST(TensorBoard, ImageSummaryHoldsThePng) {
  testing::TempDir dir;
  data::Image im{5, 7, 3, 8, {}};
  for (int i = 0; i < 5 * 7 * 3; ++i) im.bytes.push_back(uint8_t(i * 11));
  const std::vector<uint8_t> png = data::encode_png(im, "sample");
  std::string path;
  {
    EventWriter w((dir.root() / "logs").string());
    path = w.path();
    w.add_image("val/sample_0", {5, 7, 3, std::string(png.begin(), png.end())}, 40);
  }
  const std::vector<std::string> records = read_records(path);
  ASSERT_EQ(records.size(), 2u);
  const Event e = parse_event(records[1]);
  EXPECT_EQ(e.tag, "val/sample_0");
  EXPECT_EQ(e.step, 40);
  ASSERT_TRUE(e.image.has_value());
  EXPECT_EQ(e.image->height, 5);
  EXPECT_EQ(e.image->width, 7);
  EXPECT_EQ(e.image->channels, 3);
  const std::string file = (dir.root() / "back.png").string();
  std::ofstream(file, std::ios::binary) << e.image->png;
  EXPECT_EQ(data::read_image(file).bytes, im.bytes);
}

TEST(TensorBoard, FramingOfAnEmptyRecord) {
  const std::string r = tfrecord("");
  ASSERT_EQ(r.size(), 16u);
  EXPECT_EQ(r.substr(0, 8), std::string(8, '\0'));
  uint32_t data_crc = 0;
  std::memcpy(&data_crc, r.data() + 12, 4);
  EXPECT_EQ(data_crc, 0xA282EAD8u);  // the CRC of nothing is 0, masked
}

}  // namespace
}  // namespace tessel::train
