// JSON through nlohmann-json, strictly: UTF-8 checked, a repeated object key or nesting deeper
// than 64 levels is an error, and every error names the text's origin (usually the file path).
// Integers stay int64/uint64, so a 64-bit size or offset is read exactly. Values carry no
// location of their own (that costs more than the value); JsonRef names a value as it is reached
// ("config.json: labels[3].color"), so a wrong type or a missing key names the file and the key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessel {

using Json = nlohmann::ordered_json;  // objects keep their members in document order

// Syntax errors throw tessel::Error "<origin>: invalid JSON at byte N: <what>" (N from 0).
Json parse_json(std::string_view text, const std::string& origin);
Json read_json(const std::string& path);

// `s` as a JSON string literal, quotes included; throws when `s` is not valid UTF-8.
std::string json_quote(std::string_view s);

// "a number", "an object", ... for error messages.
const char* json_type_name(const Json& value);

// A value and the name errors give it. The name is built along the path being read, so only the
// values actually visited pay for one.
class JsonRef {
 public:
  // A value inside a document, named by `where` ("model.safetensors: tensor 'w'"): its members
  // read "<where>.key", its elements "<where>[i]".
  JsonRef(const Json& value, std::string where) : value_(&value), where_(std::move(where)) {}
  // A whole document, named by its origin: its members read "<origin>: key".
  static JsonRef document(const Json& value, const std::string& origin);

  const Json& json() const { return *value_; }
  const std::string& where() const { return where_; }

  // Typed access: throws naming where() and the type found when the value is of another type.
  bool boolean() const;
  double number() const;
  int64_t integer() const;  // a number written as an integer that fits int64
  int64_t index() const;    // an integer in [0, 2^63): a size or an offset
  uint64_t unsigned_integer() const;
  const std::string& string() const;

  // Members of an object (the value must be one): at() throws naming a missing key.
  JsonRef at(std::string_view key) const;
  std::optional<JsonRef> find(std::string_view key) const;
  std::vector<std::pair<const std::string&, JsonRef>> members() const;

  // Elements of an array (the value must be one).
  std::vector<JsonRef> elements() const;

 private:
  JsonRef(const Json& value, std::string where, bool document)
      : value_(&value), where_(std::move(where)), document_(document) {}
  void expect(bool is_type, const char* type) const;
  JsonRef member(const std::string& key, const Json& value) const;

  const Json* value_;
  std::string where_;
  bool document_ = false;
};

}  // namespace tessel
