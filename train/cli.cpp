#include "train/cli.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "models/registry.h"
#include "nn/safetensors.h"

namespace tessel::train {

int64_t parse_int(const std::string& text, const std::string& what) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  TESSEL_CHECK(ec == std::errc() && end == text.data() + text.size() && v > 0, what,
               ": expected a positive integer, got '", text, "'");
  return v;
}

Size2 parse_size(const std::string& text, const std::string& what) {
  const size_t x = text.find('x');
  TESSEL_CHECK(x != std::string::npos, what, ": expected WIDTHxHEIGHT such as 512x512, got '", text,
               "'");
  return {parse_int(text.substr(x + 1), what), parse_int(text.substr(0, x), what)};
}

SlidingWindow parse_sliding(const std::string& text) {
  const size_t colon = text.find(':');
  TESSEL_CHECK(colon != std::string::npos,
               "--sliding: expected WINDOWxWINDOW:STRIDExSTRIDE such as 512x512:341x341, got '",
               text, "'");
  return {parse_size(text.substr(0, colon), "--sliding window"),
          parse_size(text.substr(colon + 1), "--sliding stride")};
}

namespace {

// "0.75,1,1.25" into `out`; false when an item is not a number.
bool comma_numbers(const std::string& text, std::vector<double>& out) {
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    double v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size()) return false;
    out.push_back(v);
  }
  return true;
}

}  // namespace

std::vector<double> parse_scales(const std::string& text) {
  std::vector<double> scales;
  TESSEL_CHECK(comma_numbers(text, scales) &&
                   std::all_of(scales.begin(), scales.end(), [](double v) { return v > 0; }),
               "--scales: expected positive numbers separated by commas such as 0.75,1,1.25, "
               "got '",
               text, "'");
  TESSEL_CHECK(!scales.empty(), "--scales: no scale given");
  return scales;
}

Device parse_device(const std::string& text) {
  if (text.empty()) return cuda::is_available() ? cuda_device() : kCPU;
  const Device d(text);
  TESSEL_CHECK(d.is_cpu() || cuda::is_available(), "--device ", text,
               ": no CUDA device is available here; use --device cpu");
  return d;
}

std::string weights_file(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path file =
      fs::is_directory(path) ? fs::path(path) / "model.safetensors" : fs::path(path);
  TESSEL_CHECK(fs::is_regular_file(file), "weights ", file.string(),
               " not found: give a .safetensors file or a checkpoint directory holding "
               "model.safetensors");
  return file.string();
}

namespace {

std::string join_numbers(const std::vector<double>& v) {
  std::ostringstream out;
  out.precision(17);
  for (size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
  return out.str();
}

}  // namespace

std::map<std::string, std::string> normalize_metadata(const data::Normalize& n) {
  return {{"normalize_mean", join_numbers(n.mean)}, {"normalize_std", join_numbers(n.std)}};
}

std::map<std::string, std::string> unet_metadata(const models::UNetOptions& u) {
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  return {{"unet_base_width", std::to_string(u.base_width)},
          {"unet_depth", std::to_string(u.depth)},
          {"unet_bilinear", flag(u.bilinear)},
          {"unet_batch_norm", flag(u.batch_norm)}};
}

LoadedModel load_model(const std::string& weights, const std::string& name, int64_t num_classes,
                       Device device) {
  const std::string file = weights_file(weights);
  const nn::Metadata meta = nn::read_safetensors(file).metadata;
  auto entry = [&](const char* key) {
    auto it = meta.find(key);
    return it == meta.end() ? std::string() : it->second;
  };
  LoadedModel out;
  out.name = name.empty() ? entry("model") : name;
  TESSEL_CHECK(!out.name.empty(), file, " does not name its model (no \"model\" metadata): pass ",
               "--model");
  TESSEL_CHECK(entry("model").empty() || entry("model") == out.name, file, " holds a ",
               entry("model"), " but --model is ", out.name);
  const std::string classes = entry("num_classes");
  out.num_classes = num_classes > 0   ? num_classes
                    : classes.empty() ? 0
                                      : parse_int(classes, file + ": num_classes metadata");
  TESSEL_CHECK(out.num_classes > 0, file, " does not say its number of classes: pass --classes");
  TESSEL_CHECK(classes.empty() || parse_int(classes, "num_classes") == out.num_classes, file,
               " was trained for ", classes, " classes but --classes is ", out.num_classes);
  models::ModelOptions options;
  options.num_classes = out.num_classes;
  options.aux = entry("aux") == "true";
  if (!entry("output_stride").empty())
    options.output_stride = parse_int(entry("output_stride"), file + ": output_stride metadata");
  if (!entry("unet_depth").empty()) {
    auto flag = [&](const char* key) {
      TESSEL_CHECK(entry(key) == "true" || entry(key) == "false", file, ": ", key,
                   " metadata: expected true or false, got '", entry(key), "'");
      return entry(key) == "true";
    };
    options.unet = {parse_int(entry("unet_base_width"), file + ": unet_base_width metadata"),
                    parse_int(entry("unet_depth"), file + ": unet_depth metadata"),
                    flag("unet_bilinear"), flag("unet_batch_norm")};
  }
  out.model = models::create(out.name, options);
  nn::load_state_dict_file(file, *out.model);
  out.model->to(device);
  out.model->eval();
  out.normalize = imagenet_normalize();
  if (!entry("normalize_mean").empty()) {
    auto read = [&](const char* key, std::vector<double>& values) {
      values.clear();
      TESSEL_CHECK(comma_numbers(entry(key), values), file, ": ", key,
                   " metadata: expected comma-separated numbers, got '", entry(key), "'");
    };
    read("normalize_mean", out.normalize.mean);
    read("normalize_std", out.normalize.std);
  }
  return out;
}

data::Normalize imagenet_normalize() {
  return {{123.675, 116.28, 103.53}, {58.395, 57.12, 57.375}};
}

Tensor image_batch(const data::Image& image, const data::Normalize& n, Device device) {
  TESSEL_CHECK(image.bits == 8, "image_batch: expected an 8-bit image, got ", image.bits, " bits");
  data::Image rgb{image.height, image.width, 3, 8, {}};
  rgb.bytes.resize(size_t(image.pixels() * 3));
  for (int64_t i = 0; i < image.pixels(); ++i)
    for (int64_t k = 0; k < 3; ++k)
      rgb.bytes[size_t(i * 3 + k)] =
          image.bytes[size_t(i * image.channels + (image.channels >= 3 ? k : 0))];
  Tensor x = empty({1, 3, image.height, image.width});
  data::normalize_into(rgb, n, x.data<float>());
  return x.to(device);
}

}  // namespace tessel::train
