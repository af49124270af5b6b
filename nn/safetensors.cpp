#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <optional>

#include "core/json.h"
#include "nn/file.h"

namespace tessel::nn {

// The data section is copied as it lies: row-major little-endian is our own layout.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference reader's limit
// Weights have at most 5 dimensions; a header may not make us build shapes of millions.
constexpr size_t kMaxRank = 32;

constexpr std::pair<DType, const char*> kNames[] = {
    {DType::F32, "F32"}, {DType::F64, "F64"}, {DType::F16, "F16"}, {DType::BF16, "BF16"},
    {DType::I32, "I32"}, {DType::I64, "I64"}, {DType::U8, "U8"},   {DType::Bool, "BOOL"}};

std::optional<DType> dtype_from_name(const std::string& name) {
  for (const auto& [t, n] : kNames)
    if (name == n) return t;
  return std::nullopt;
}

std::string offsets_str(int64_t begin, int64_t end) {
  return detail::str_cat("[", begin, ", ", end, "]");
}

struct Entry {
  const std::string* name;
  DType dtype;
  Shape shape;
  int64_t begin, end;
};

// One tensor's header entry, checked on its own: fields, dtype, shape, size and bounds.
Entry parse_entry(const std::string& where, const std::string& name, const Json& json,
                  int64_t data_bytes) {
  const JsonRef info(json, where + ": tensor '" + name + "'");
  const std::string& at = info.where();
  TESSEL_CHECK(json.is_object(), at, " is described by ", json_type_name(json),
               ", expected an object with dtype, shape and data_offsets");
  Entry e{&name, DType::F32, {}, 0, 0};
  const std::string& dtype = info.at("dtype").string();
  std::optional<DType> t = dtype_from_name(dtype);
  TESSEL_CHECK(t.has_value(), at, " has unknown dtype '", dtype,
               "' (Tessel reads F32, F64, F16, BF16, I32, I64, U8, BOOL)");
  e.dtype = *t;
  int64_t nbytes = int64_t(element_size(e.dtype));
  const std::vector<JsonRef> sizes = info.at("shape").elements();
  TESSEL_CHECK(sizes.size() <= kMaxRank, at, ": shape has ", sizes.size(),
               " dimensions, more than the ", kMaxRank, " Tessel reads");
  for (const JsonRef& size : sizes) {
    e.shape.push_back(size.index());
    TESSEL_CHECK(!__builtin_mul_overflow(nbytes, e.shape.back(), &nbytes), at, ": shape ",
                 shape_str(e.shape), "... has more bytes than 64 bits count");
  }
  std::vector<JsonRef> offsets = info.at("data_offsets").elements();
  TESSEL_CHECK(offsets.size() == 2, at,
               ": data_offsets must be two non-negative integers [begin, end]");
  e.begin = offsets[0].index(), e.end = offsets[1].index();
  TESSEL_CHECK(e.begin <= e.end, at, ": data_offsets ", offsets_str(e.begin, e.end),
               " end before they begin");
  TESSEL_CHECK(e.end - e.begin == nbytes, at, " (", dtype, ", shape ", shape_str(e.shape),
               ") needs ", nbytes, " bytes but data_offsets ", offsets_str(e.begin, e.end),
               " span ", e.end - e.begin);
  TESSEL_CHECK(e.end <= data_bytes, at, ": data_offsets ", offsets_str(e.begin, e.end),
               " end past the data section of ", data_bytes, " bytes (truncated file?)");
  return e;
}

// The tensors must tile the data section: sorted by offset, each begins where the last ended.
void check_tiling(const std::string& where, std::vector<Entry> entries, int64_t data_bytes) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  int64_t pos = 0;
  const Entry* last = nullptr;
  for (const Entry& e : entries) {
    TESSEL_CHECK(e.begin >= pos, where, ": tensor '", *e.name, "' data_offsets ",
                 offsets_str(e.begin, e.end), " overlap tensor '", *last->name, "' ",
                 offsets_str(last->begin, last->end));
    TESSEL_CHECK(e.begin == pos, where, ": bytes [", pos, ", ", e.begin,
                 ") of the data section belong to no tensor (a gap before tensor '", *e.name, "')");
    pos = e.end;
    last = &e;
  }
  TESSEL_CHECK(pos == data_bytes, where, ": the last ", data_bytes - pos, " of the ", data_bytes,
               " bytes of the data section belong to no tensor");
}

}  // namespace

const char* safetensors_dtype_name(DType t) {
  for (const auto& [d, n] : kNames)
    if (d == t) return n;
  TESSEL_FAIL("safetensors: unknown dtype ", int(t));
}

Safetensors read_safetensors(const std::string& path) {
  const std::string where = "read_safetensors: " + path;
  InputFile file(path, "read_safetensors");
  const uint64_t size = file.size();
  TESSEL_CHECK(size >= 8, where, ": the file is ", size,
               " bytes, too short for the 8-byte header length (truncated file?)");
  uint64_t header_bytes;
  file.read(0, &header_bytes, 8);
  TESSEL_CHECK(header_bytes <= size - 8, where, ": header length ", header_bytes,
               " is beyond the end of the file (", size - 8,
               " bytes follow the length field; truncated file?)");
  TESSEL_CHECK(header_bytes <= kMaxHeaderBytes, where, ": header length ", header_bytes,
               " is over the limit of ", kMaxHeaderBytes, " bytes");
  std::string text(header_bytes, '\0');
  file.read(8, text.data(), text.size());
  TESSEL_CHECK(!text.empty() && text[0] == '{', where, ": the header does not start with '{'");
  Json header = parse_json(text, where + ": header");
  text = std::string();  // the parsed header replaces it
  TESSEL_CHECK(header.is_object(), where, ": the header is ", json_type_name(header),
               ", expected an object");

  const int64_t data_bytes = int64_t(size - 8 - header_bytes);
  Safetensors out;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();  // Entry points at it: the key lives as long as header
    const Json& info = it.value();
    if (name != "__metadata__") {
      entries.push_back(parse_entry(where, name, info, data_bytes));
      continue;
    }
    TESSEL_CHECK(info.is_object(), where, ": __metadata__ is ", json_type_name(info),
                 ", expected an object of strings");
    for (const auto& [key, value] : JsonRef(info, where + ": __metadata__").members())
      out.metadata[key] = value.string();
  }
  check_tiling(where, entries, data_bytes);

  // Every tensor's bytes are read straight into its storage: the data section is never held twice.
  const uint64_t data_begin = 8 + header_bytes;
  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, {e.dtype});
    const size_t nbytes = size_t(e.end - e.begin);
    if (nbytes > 0) file.read(data_begin + uint64_t(e.begin), t.data_ptr(), nbytes);
    if (e.dtype == DType::Bool) {  // any other byte would be an invalid C++ bool
      const auto* bytes = static_cast<const unsigned char*>(t.data_ptr());
      const auto* bad = std::find_if(bytes, bytes + nbytes, [](unsigned char c) { return c > 1; });
      TESSEL_CHECK(bad == bytes + nbytes, where, ": tensor '", *e.name, "' (BOOL) has byte ",
                   int(*bad), " at element ", bad - bytes, ", expected 0 or 1");
    }
    out.tensors.insert(*e.name, std::move(t));
  }
  return out;
}

void write_safetensors(const std::string& path, const StateDict& tensors,
                       const Metadata& metadata) {
  const std::string where = "write_safetensors: " + path;
  std::vector<const StateDict::Item*> items;
  for (const auto& item : tensors) {
    TESSEL_CHECK(item.second.defined(), where, ": tensor '", item.first, "' is undefined");
    TESSEL_CHECK(item.first != "__metadata__", where,
                 ": the name '__metadata__' is reserved for the metadata");
    items.push_back(&item);
  }
  auto nbytes = [&](size_t i) {
    return items[i]->second.numel() * int64_t(items[i]->second.element_size());
  };
  // Data order: decreasing element size (stable), so each tensor is aligned to its element.
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return items[a]->second.element_size() > items[b]->second.element_size();
  });
  std::vector<int64_t> begin(items.size());
  int64_t pos = 0;
  for (size_t i : order) begin[i] = pos, pos += nbytes(i);

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (const auto& [key, value] : metadata)
      header += json_quote(key) + ":" + json_quote(value) + ",";
    header.back() = '}';
    header += ",";
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const Tensor& t = items[i]->second;
    header += json_quote(items[i]->first) + ":{\"dtype\":\"" + safetensors_dtype_name(t.dtype()) +
              "\",\"shape\":[";
    for (int64_t s : t.sizes()) header += std::to_string(s) + ",";
    if (t.dim() > 0) header.pop_back();
    header += "],\"data_offsets\":[" + std::to_string(begin[i]) + "," +
              std::to_string(begin[i] + nbytes(i)) + "]},";
  }
  if (header.size() > 1) header.pop_back();
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  AtomicFile out(path, "write_safetensors");
  uint64_t header_bytes = header.size();
  out.write(&header_bytes, 8);
  out.write(header.data(), header.size());
  for (size_t i : order) {
    Tensor t = items[i]->second.detach().to(kCPU).contiguous();
    out.write(t.data_ptr(), size_t(nbytes(i)));
  }
  out.commit();
}

void save_state_dict(const std::string& path, const Module& module, const Metadata& metadata) {
  write_safetensors(path, module.state_dict(), metadata);
}

IncompatibleKeys load_state_dict_file(const std::string& path, Module& module, bool strict) {
  StateDict dict = read_safetensors(path).tensors;
  try {
    return module.load_state_dict(dict, strict);
  } catch (const Error& e) {
    TESSEL_FAIL("load_state_dict_file: ", path, ": ", e.what());
  }
}

}  // namespace tessel::nn
