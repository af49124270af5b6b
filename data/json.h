// A small JSON reader for dataset metadata (Mapillary's config.json, Datumaro's
// dataset_meta.json). Every value remembers where it came from ("config.json: labels[3].color"),
// so a wrong type or a missing key is reported with the file and the key at fault.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "data/image.h"

namespace tessel::data {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;  // in file order
  using Value = std::variant<std::nullptr_t, bool, double, std::string, Array, Object>;

  Json(Value value, std::string where) : value_(std::move(value)), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  // Typed access: throws naming where() and the type found when the value is of another type.
  bool boolean() const;
  double number() const;
  int64_t integer() const;  // a number that must be whole
  const std::string& string() const;
  const Array& array() const;
  const Object& object() const;

  const Json* find(std::string_view key) const;  // nullptr when absent (or not an object)
  const Json& at(std::string_view key) const;    // throws naming the missing key

 private:
  Value value_;
  std::string where_;
};

// `origin` names the text in errors and in every value's where(), usually the file path.
Json parse_json(std::string_view text, const std::string& origin);
Json read_json(const std::string& path);

// A colour written [r, g, b], each 0..255, as dataset metadata writes class colours.
Rgb rgb_of(const Json& value);

}  // namespace tessel::data
