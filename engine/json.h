// A small JSON reader and writer: the whole grammar, strictly (UTF-8 checked, a repeated object
// key is an error). Objects keep their members in document order and numbers keep their literal
// text, so a 64-bit size or offset is read exactly. Every value remembers where it came from
// ("config.json: labels[3].color"), so a wrong type or a missing key is reported with the file
// and the key at fault; a syntax error names the byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tessel {

class Json {
 public:
  struct Number {
    std::string literal;  // as written: "-2.5e3"
  };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;  // in document order
  using Value = std::variant<std::nullptr_t, bool, Number, std::string, Array, Object>;
  enum class Type { Null, Bool, Number, String, Array, Object };  // Value's alternatives

  Json(Value value, std::string where) : value_(std::move(value)), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  Type type() const { return Type(value_.index()); }
  // "a number", "an object", ... for error messages.
  const char* type_name() const { return type_name(type()); }
  static const char* type_name(Type t);

  // Typed access: throws naming where() and the type found when the value is of another type.
  bool boolean() const;
  double number() const;
  int64_t integer() const;             // a number that must be whole (within 2^53)
  const std::string& literal() const;  // a number's text as written
  const std::string& string() const;
  const Array& array() const;
  const Object& object() const;

  // A number written as an integer in [0, 2^63): no sign, fraction or exponent; else nullopt
  // (also for a value that is no number).
  std::optional<int64_t> as_index() const;

  const Json* find(std::string_view key) const;  // nullptr when absent (or not an object)
  const Json& at(std::string_view key) const;    // throws naming the missing key

 private:
  Value value_;
  std::string where_;
};

// `origin` names the text in errors and in every value's where(), usually the file path.
// Syntax errors throw tessel::Error "<origin>: invalid JSON at byte N: <what>".
Json parse_json(std::string_view text, const std::string& origin);
Json read_json(const std::string& path);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace tessel
