#include "train/tensorboard.h"

#include <unistd.h>

#include <array>
#include <bit>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace tessel::train {

namespace {

constexpr std::array<uint32_t, 256> crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int b = 0; b < 8; ++b) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected
    table[i] = c;
  }
  return table;
}

void put_varint(std::string& out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(char((v & 0x7F) | 0x80));
  out.push_back(char(v));
}

template <typename T>
void put_little_endian(std::string& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(char((v >> (8 * i)) & 0xFF));
}

// Protobuf keys are (field << 3) | wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
void put_key(std::string& out, int field, int wire_type) {
  put_varint(out, uint64_t(field << 3 | wire_type));
}

void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_key(out, field, 2);
  put_varint(out, bytes.size());
  out += bytes;
}

std::string event_header(double wall_time, int64_t step) {
  std::string e;
  put_key(e, 1, 1);
  put_little_endian(e, std::bit_cast<uint64_t>(wall_time));
  if (step != 0) {  // proto3 leaves default values out
    put_key(e, 2, 0);
    put_varint(e, uint64_t(step));
  }
  return e;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  static constexpr std::array<uint32_t, 256> table = crc32c_table();
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = table[(c ^ bytes[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

uint32_t masked_crc32c(const void* data, size_t size) {
  const uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

std::string tfrecord(const std::string& data) {
  std::string length;
  put_little_endian(length, uint64_t(data.size()));
  std::string record = length;
  put_little_endian(record, masked_crc32c(length.data(), length.size()));
  record += data;
  put_little_endian(record, masked_crc32c(data.data(), data.size()));
  return record;
}

std::string file_version_event(double wall_time) {
  std::string e = event_header(wall_time, 0);
  put_bytes(e, 3, "brain.Event:2");
  return e;
}

std::string scalar_event(double wall_time, int64_t step, const std::string& tag, float value) {
  std::string v;
  put_bytes(v, 1, tag);
  put_key(v, 2, 5);
  put_little_endian(v, std::bit_cast<uint32_t>(value));
  std::string summary;
  put_bytes(summary, 1, v);
  std::string e = event_header(wall_time, step);
  put_bytes(e, 5, summary);
  return e;
}

std::string image_event(double wall_time, int64_t step, const std::string& tag,
                        const ImageSummary& im) {
  std::string image;
  put_key(image, 1, 0);
  put_varint(image, uint64_t(im.height));
  put_key(image, 2, 0);
  put_varint(image, uint64_t(im.width));
  put_key(image, 3, 0);
  put_varint(image, uint64_t(im.channels));
  put_bytes(image, 4, im.png);
  std::string v;
  put_bytes(v, 1, tag);
  put_bytes(v, 4, image);
  std::string summary;
  put_bytes(summary, 1, v);
  std::string e = event_header(wall_time, step);
  put_bytes(e, 5, summary);
  return e;
}

EventWriter::EventWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TESSEL_CHECK(!ec, "EventWriter: cannot create the log directory ", dir, ": ", ec.message());
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) std::strcpy(host.data(), "localhost");
  const double now = now_seconds();
  path_ = (std::filesystem::path(dir) /
           ("events.out.tfevents." + std::to_string(int64_t(now)) + "." + host.data()))
              .string();
  out_.open(path_, std::ios::binary | std::ios::app);
  TESSEL_CHECK(out_.good(), "EventWriter: cannot open ", path_, " for writing");
  write(file_version_event(now));
  flush();
}

void EventWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  write(scalar_event(now_seconds(), step, tag, float(value)));
}

void EventWriter::add_image(const std::string& tag, const ImageSummary& image, int64_t step) {
  write(image_event(now_seconds(), step, tag, image));
}

void EventWriter::write(const std::string& event) {
  out_ << tfrecord(event);
  TESSEL_CHECK(out_.good(), "EventWriter: writing ", path_, " failed (disk full?)");
}

void EventWriter::flush() {
  out_.flush();
  TESSEL_CHECK(out_.good(), "EventWriter: flushing ", path_, " failed (disk full?)");
}

}  // namespace tessel::train
