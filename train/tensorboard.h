// TensorBoard scalars and images without TensorFlow: event files are TFRecord files (each record a
// length, a masked CRC32C of the length, the data and a masked CRC32C of the data) of Event
// protobufs, which the few fields we write let us encode by hand.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

namespace tessel::train {

// CRC-32C (Castagnoli), and TFRecord's masked form: rotated right by 15 bits plus a constant, so
// that a CRC over data that holds CRCs does not degenerate.
uint32_t crc32c(const void* data, size_t size);
uint32_t masked_crc32c(const void* data, size_t size);

// One TFRecord: the framing around `data`.
std::string tfrecord(const std::string& data);

// Serialised Event messages: wall_time (1, double), step (2, int64), and either
// file_version (3, string) or summary (5) { value (1) { tag (1), simple_value (2, float) } }.
std::string file_version_event(double wall_time);
std::string scalar_event(double wall_time, int64_t step, const std::string& tag, float value);
// An image: summary value field 4, Summary.Image { height (1), width (2), colorspace (3: the
// channel count, 1 grey, 3 RGB, 4 RGBA), encoded_image_string (4: a PNG file) }.
struct ImageSummary {
  int64_t height = 0, width = 0, channels = 3;
  std::string png;  // the encoded file
};
std::string image_event(double wall_time, int64_t step, const std::string& tag,
                        const ImageSummary& image);

// Writes <dir>/events.out.tfevents.<seconds>.<host> (the directory is created), starting with
// the "brain.Event:2" version event TensorBoard looks for. Records are flushed by flush() and on
// destruction; an I/O error names the file.
class EventWriter {
 public:
  explicit EventWriter(const std::string& dir);
  void add_scalar(const std::string& tag, double value, int64_t step);
  void add_image(const std::string& tag, const ImageSummary& image, int64_t step);
  void flush();
  const std::string& path() const { return path_; }

 private:
  void write(const std::string& event);
  std::string path_;
  std::ofstream out_;
};

}  // namespace tessel::train
