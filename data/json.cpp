#include "data/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/error.h"

namespace tessel::data {
namespace {

const char* type_name(const Json::Value& v) {
  static const char* names[] = {"null", "boolean", "number", "string", "array", "object"};
  return names[v.index()];
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

  Json document() {
    Json value = parse(origin_);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the document");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1 + size_t(std::count(text_.begin(), text_.begin() + long(pos_), '\n'));
    TESSEL_FAIL("json: ", origin_, ": line ", line, ": ", what);
  }

  void skip_space() {
    while (pos_ < text_.size() && std::string_view(" \t\r\n").find(text_[pos_]) != text_.npos)
      ++pos_;
  }
  char peek() {
    skip_space();
    if (pos_ == text_.size()) fail("unexpected end of file");
    return text_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + text_[pos_] + "'");
    ++pos_;
  }
  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  // After an item of an array or object: true when a ',' announces another.
  bool another() {
    if (peek() != ',') return false;
    ++pos_;
    return true;
  }

  Json parse(const std::string& where) {
    char c = peek();
    if (c == '{') return Json(object(where), where);
    if (c == '[') return Json(array(where), where);
    if (c == '"') return Json(string(), where);
    if (consume("true")) return Json(true, where);
    if (consume("false")) return Json(false, where);
    if (consume("null")) return Json(nullptr, where);
    return Json(number(), where);
  }

  Json::Object object(const std::string& where) {
    Json::Object members;
    expect('{');
    if (peek() == '}') return ++pos_, members;
    do {
      if (peek() != '"') fail("expected a quoted key");
      std::string key = string();
      expect(':');
      Json value = parse(where == origin_ ? origin_ + ": " + key : where + "." + key);
      members.emplace_back(std::move(key), std::move(value));
    } while (another());
    expect('}');
    return members;
  }

  Json::Array array(const std::string& where) {
    Json::Array items;
    expect('[');
    if (peek() == ']') return ++pos_, items;
    do {
      items.push_back(parse(where + "[" + std::to_string(items.size()) + "]"));
    } while (another());
    expect(']');
    return items;
  }

  double number() {
    double value = 0;
    const char* begin = text_.data() + pos_;
    auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), value);
    if (ec != std::errc() || end == begin) fail("expected a value");
    pos_ += size_t(end - begin);
    return value;
  }

  uint32_t hex4() {
    uint32_t code = 0;
    const char* begin = text_.data() + pos_;
    const char* limit = begin + std::min<size_t>(4, text_.size() - pos_);
    auto [end, ec] = std::from_chars(begin, limit, code, 16);
    if (ec != std::errc() || end != begin + 4) fail("bad \\u escape");
    pos_ += 4;
    return code;
  }

  static void append_utf8(std::string& out, uint32_t code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | code >> 6), out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | code >> 12), out += char(0x80 | (code >> 6 & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | code >> 18), out += char(0x80 | (code >> 12 & 0x3F));
      out += char(0x80 | (code >> 6 & 0x3F)), out += char(0x80 | (code & 0x3F));
    }
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ == text_.size()) fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ == text_.size()) fail("unterminated string");
      char e = text_[pos_++];
      static constexpr std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
      if (size_t k = from.find(e); k != from.npos) {
        out += to[k];
      } else if (e == 'u') {
        uint32_t code = hex4();
        if (code >= 0xD800 && code < 0xDC00 && consume("\\u"))  // a UTF-16 surrogate pair
          code = 0x10000 + ((code - 0xD800) << 10) + (hex4() - 0xDC00);
        append_utf8(out, code);
      } else {
        fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  std::string_view text_;
  const std::string& origin_;
  size_t pos_ = 0;
};

template <typename T>
const T& get(const Json::Value& v, const std::string& where, const char* wanted) {
  const T* p = std::get_if<T>(&v);
  TESSEL_CHECK(p, "json: ", where, " is a ", type_name(v), ", expected a ", wanted);
  return *p;
}

}  // namespace

bool Json::boolean() const {
  return get<bool>(value_, where_, "boolean");
}
double Json::number() const {
  return get<double>(value_, where_, "number");
}
const std::string& Json::string() const {
  return get<std::string>(value_, where_, "string");
}
const Json::Array& Json::array() const {
  return get<Array>(value_, where_, "array");
}
const Json::Object& Json::object() const {
  return get<Object>(value_, where_, "object");
}

int64_t Json::integer() const {
  double v = number();
  TESSEL_CHECK(v == std::floor(v) && std::abs(v) < 9e15, "json: ", where_, " is ", v,
               ", expected a whole number");
  return int64_t(v);
}

const Json* Json::find(std::string_view key) const {
  const Object* members = std::get_if<Object>(&value_);
  if (!members) return nullptr;
  for (const auto& [k, v] : *members)
    if (k == key) return &v;
  return nullptr;
}

const Json& Json::at(std::string_view key) const {
  object();  // a value that is no object at all gets that error, not "no key"
  const Json* v = find(key);
  TESSEL_CHECK(v, "json: ", where_, " has no key '", key, "'");
  return *v;
}

Json parse_json(std::string_view text, const std::string& origin) {
  return Parser(text, origin).document();
}

Json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSEL_CHECK(in, "json: cannot open '", path, "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

Rgb rgb_of(const Json& value) {
  const Json::Array& rgb = value.array();
  TESSEL_CHECK(rgb.size() == 3, "json: ", value.where(), " has ", rgb.size(),
               " entries, expected a colour [r, g, b]");
  Rgb c;
  for (size_t k = 0; k < 3; ++k) {
    int64_t v = rgb[k].integer();
    TESSEL_CHECK(v >= 0 && v <= 255, "json: ", rgb[k].where(), " = ", v, " outside 0..255");
    c[k] = uint8_t(v);
  }
  return c;
}

}  // namespace tessel::data
