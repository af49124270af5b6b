#include "core/json.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "core/error.h"

namespace tessel {
namespace {

constexpr int kMaxDepth = 64;  // deeper nesting is an attack, not a header or a config

// The memory a document may take while it is built, per byte of its text, over a floor for small
// documents. Safetensors headers and configs take 4 to 7; a document built to cost more
// (`[[], [], ...]` takes 16 per byte, `["", "", ...]` 21) is refused once it does, so a 100 MB
// header (safetensors allows one) cannot take more than ~1.6 GB.
constexpr size_t kBytesPerTextByte = 16;
constexpr size_t kBudgetFloor = size_t(1) << 20;

// The heap a malloc(n) takes with glibc: n and an 8-byte header in 16-byte steps, 32 at least.
constexpr size_t heap_chunk(size_t n) {
  return std::max<size_t>(32, (n + 8 + 15) / 16 * 16);
}

// The heap a std::string of `n` characters owns beyond its own object (short ones live inside).
constexpr size_t string_heap(size_t n) {
  return n < sizeof(std::string) / 2 ? 0 : heap_chunk(n + 1);
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix, nor the "parse
// error at line 1, column 2: " of a syntax error: the byte we report says where.
std::string reason(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  auto drop_through = [&](std::string_view mark) {
    size_t at = what.find(mark);
    if (at != std::string_view::npos) what.remove_prefix(at + mark.size());
  };
  drop_through("] ");
  if (what.starts_with("parse error")) drop_through(": ");
  return std::string(what);
}

// Builds the document from nlohmann's SAX events, refusing what nlohmann accepts but we do not:
// a key twice in one object (which copy would count?), nesting deeper than kMaxDepth, and a
// document that would take more memory than its size warrants (kBytesPerTextByte).
// nlohmann's callback parser could check as much, but at the end of each member object it
// rescans the enclosing one (quadratic: seconds for a 20k-tensor safetensors header), and
// ordered_json's own insertion searches the object for the key, which `keys_` already did.
class StrictBuilder {
 public:
  StrictBuilder(Json& root, const std::string& origin, size_t text_bytes)
      : root_(root),
        origin_(origin),
        text_bytes_(text_bytes),
        budget_(std::max(kBudgetFloor, text_bytes * kBytesPerTextByte)) {}

  bool null() { return add(nullptr); }
  bool boolean(bool v) { return add(v); }
  bool number_integer(Json::number_integer_t v) { return add(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return add(v); }
  bool number_float(Json::number_float_t v, const std::string&) { return add(v); }
  bool string(std::string& v) {
    charge(heap_chunk(sizeof(std::string)) + string_heap(v.size()));
    return add(std::move(v));
  }
  bool binary(Json::binary_t&) { return false; }  // only binary formats have these
  bool start_object(size_t) {
    open(Json::object());
    keys_.emplace_back();
    key_bytes_.push_back(0);
    return true;
  }
  bool key(std::string& key) {
    // The set's node (the string, its hash and link) and its bucket.
    const size_t cost = heap_chunk(sizeof(std::string) + 16) + 8 + string_heap(key.size());
    charge(cost);
    key_bytes_.back() += cost;
    TESSEL_CHECK(keys_.back().insert(key).second, origin_, ": duplicate key ", json_quote(key));
    key_ = std::move(key);
    return true;
  }
  bool end_object() {
    used_ -= key_bytes_.back();  // the object's key set goes; its keys stay in the object
    key_bytes_.pop_back();
    keys_.pop_back();
    open_.pop_back();
    return true;
  }
  bool start_array(size_t) { return open(Json::array()); }
  bool end_array() {
    open_.pop_back();
    return true;
  }
  // `byte` counts from 1 and names the last byte read: the one at fault.
  template <typename Exception>
  bool parse_error(size_t byte, const std::string&, const Exception& e) {
    TESSEL_FAIL(origin_, ": invalid JSON at byte ", byte ? byte - 1 : 0, ": ", reason(e));
  }

 private:
  void charge(size_t bytes) {
    used_ += bytes;
    TESSEL_CHECK(used_ <= budget_, origin_, ": the JSON document needs more than ", budget_,
                 " bytes of memory to hold (", kBytesPerTextByte, " per byte of its ", text_bytes_,
                 "; headers and configs need under 8): refused");
  }
  // Appends to a container, charging what its storage grows by.
  template <typename Container, typename... Args>
  auto& append(Container& c, Args&&... args) {
    const size_t capacity = c.capacity();
    auto& added = c.emplace_back(std::forward<Args>(args)...);
    charge((c.capacity() - capacity) * sizeof(typename Container::value_type));
    return added;
  }
  // Places `v` in the open array, under the last key in the open object, or as the document.
  Json& place(Json&& v) {
    if (open_.empty()) return root_ = std::move(v);
    Json& parent = *open_.back();
    if (parent.is_array()) return append(parent.get_ref<Json::array_t&>(), std::move(v));
    charge(string_heap(key_.size()));
    return append(parent.get_ref<Json::object_t&>(), std::move(key_), std::move(v)).second;
  }
  bool add(Json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(Json&& container) {
    TESSEL_CHECK(open_.size() < size_t(kMaxDepth), origin_, ": invalid JSON: nested deeper than ",
                 kMaxDepth, " levels");
    charge(heap_chunk(sizeof(Json::array_t)));
    // A container's parent cannot grow while it is open, so the pointer stays valid.
    open_.push_back(&place(std::move(container)));
    return true;
  }

  Json& root_;
  const std::string& origin_;
  const size_t text_bytes_, budget_;
  size_t used_ = 0;                                    // bytes the document holds so far
  std::vector<Json*> open_;                            // the arrays and objects not yet closed
  std::vector<std::unordered_set<std::string>> keys_;  // the keys so far of each open object
  std::vector<size_t> key_bytes_;                      // what each of those sets holds
  std::string key_;                                    // the key of the next member
};

}  // namespace

Json parse_json(std::string_view text, const std::string& origin) {
  Json root;
  StrictBuilder builder(root, origin, text.size());
  Json::sax_parse(text.begin(), text.end(), &builder);
  return root;
}

Json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSEL_CHECK(in, "read_json: cannot open '", path, "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

std::string json_quote(std::string_view s) {
  try {
    return Json(s).dump();
  } catch (const Json::type_error& e) {  // invalid UTF-8, which no reader would take back
    TESSEL_FAIL("json_quote: ", Json(s).dump(-1, ' ', false, Json::error_handler_t::replace), ": ",
                reason(e));
  }
}

const char* json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a binary or discarded value";
  }
}

JsonRef JsonRef::document(const Json& value, const std::string& origin) {
  return JsonRef(value, origin, true);
}

void JsonRef::expect(bool is_type, const char* type) const {
  TESSEL_CHECK(is_type, where_, " is ", json_type_name(*value_), ", expected ", type);
}

bool JsonRef::boolean() const {
  expect(value_->is_boolean(), "a boolean");
  return value_->get<bool>();
}

double JsonRef::number() const {
  expect(value_->is_number(), "a number");
  return value_->get<double>();
}

const std::string& JsonRef::string() const {
  expect(value_->is_string(), "a string");
  return value_->get_ref<const std::string&>();
}

namespace {

// The integer held by `v`, when it is one that `T` represents.
template <typename T>
std::optional<T> integer_as(const Json& v) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u <= uint64_t(std::numeric_limits<T>::max())) return T(u);
  } else if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i >= 0 || std::numeric_limits<T>::is_signed) return T(i);
  }
  return std::nullopt;
}

// A number as written back ("2.5", "-3"), else its type: for "x is 2.5, expected ..." errors.
std::string found(const Json& v) {
  return v.is_number() ? v.dump() : json_type_name(v);
}

}  // namespace

int64_t JsonRef::integer() const {
  std::optional<int64_t> v = integer_as<int64_t>(*value_);
  TESSEL_CHECK(v, where_, " is ", found(*value_), ", expected a 64-bit integer");
  return *v;
}

int64_t JsonRef::index() const {
  std::optional<int64_t> v = integer_as<int64_t>(*value_);
  TESSEL_CHECK(v && *v >= 0, where_, " is ", found(*value_),
               ", expected a non-negative integer below 2^63");
  return *v;
}

uint64_t JsonRef::unsigned_integer() const {
  std::optional<uint64_t> v = integer_as<uint64_t>(*value_);
  TESSEL_CHECK(v, where_, " is ", found(*value_), ", expected a non-negative 64-bit integer");
  return *v;
}

JsonRef JsonRef::member(const std::string& key, const Json& value) const {
  return JsonRef(value, where_ + (document_ ? ": " : ".") + key);
}

std::optional<JsonRef> JsonRef::find(std::string_view key) const {
  expect(value_->is_object(), "an object");
  auto it = value_->find(key);
  if (it == value_->end()) return std::nullopt;
  return member(it.key(), it.value());
}

JsonRef JsonRef::at(std::string_view key) const {
  std::optional<JsonRef> v = find(key);
  TESSEL_CHECK(v, where_, " has no key '", key, "'");
  return *v;
}

std::vector<std::pair<const std::string&, JsonRef>> JsonRef::members() const {
  expect(value_->is_object(), "an object");
  std::vector<std::pair<const std::string&, JsonRef>> out;
  for (auto it = value_->begin(); it != value_->end(); ++it)
    out.emplace_back(it.key(), member(it.key(), it.value()));
  return out;
}

std::vector<JsonRef> JsonRef::elements() const {
  expect(value_->is_array(), "an array");
  std::vector<JsonRef> out;
  for (size_t i = 0; i < value_->size(); ++i)
    out.push_back(JsonRef((*value_)[i], detail::str_cat(where_, document_ ? ": [" : "[", i, "]")));
  return out;
}

}  // namespace tessel
