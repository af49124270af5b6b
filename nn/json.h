// A small JSON reader and writer, enough for safetensors headers: the whole grammar is read
// (objects keep their member order, numbers keep their literal text), and strings are written
// with the escapes JSON requires. No dependency; errors say at which byte the text went wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessel::nn {

struct Json {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  std::string text;                                   // a String's value, a Number's literal
  std::vector<Json> items;                            // an Array's elements
  std::vector<std::pair<std::string, Json>> members;  // an Object's members, in document order

  const Json* find(std::string_view key) const;  // an Object's member, or nullptr
  // An integer Number in [0, 2^63) (no sign, fraction or exponent), else nullopt.
  std::optional<int64_t> as_index() const;
  // "a number", "an object", ... for error messages.
  const char* type_name() const { return type_name(type); }
  static const char* type_name(Type t);
};

// Parses UTF-8 `text`. Errors throw tessel::Error "<context>: invalid JSON at byte N: <what>";
// an object with a repeated key is an error (it would be ambiguous).
Json parse_json(std::string_view text, const std::string& context);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace tessel::nn
