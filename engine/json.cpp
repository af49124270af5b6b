#include "engine/json.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "core/error.h"

namespace tessel {

const char* Json::type_name(Type t) {
  static const char* names[] = {"null",     "a boolean", "a number",
                                "a string", "an array",  "an object"};
  return names[int(t)];
}

namespace {

template <typename T>
const T& get(const Json::Value& v, Json::Type t, const std::string& where) {
  const T* p = std::get_if<T>(&v);
  TESSEL_CHECK(p, where, " is ", Json::type_name(Json::Type(v.index())), ", expected ",
               Json::type_name(t));
  return *p;
}

}  // namespace

bool Json::boolean() const {
  return get<bool>(value_, Type::Bool, where_);
}
const std::string& Json::literal() const {
  return get<Number>(value_, Type::Number, where_).literal;
}
const std::string& Json::string() const {
  return get<std::string>(value_, Type::String, where_);
}
const Json::Array& Json::array() const {
  return get<Array>(value_, Type::Array, where_);
}
const Json::Object& Json::object() const {
  return get<Object>(value_, Type::Object, where_);
}

double Json::number() const {
  const std::string& s = literal();
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  TESSEL_CHECK(ec == std::errc() && end == s.data() + s.size(), where_, " = ", s,
               " is out of the range of a double");
  return v;
}

int64_t Json::integer() const {
  double v = number();
  TESSEL_CHECK(v == std::floor(v) && std::abs(v) <= 9007199254740992.0, where_, " is ", literal(),
               ", expected a whole number");
  return int64_t(v);
}

std::optional<int64_t> Json::as_index() const {
  const Number* n = std::get_if<Number>(&value_);
  if (!n || n->literal.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : n->literal) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
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
  TESSEL_CHECK(v, where_, " has no key '", key, "'");
  return *v;
}

namespace {

constexpr int kMaxDepth = 64;  // deeper nesting is an attack, not a header

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xc0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += char(0xe0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  } else {
    out += char(0xf0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3f));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  }
}

class Parser {
 public:
  Parser(std::string_view s, const std::string& origin) : s_(s), origin_(origin) {}

  Json document() {
    Json v = value(origin_, 0);
    skip_space();
    if (pos_ < s_.size()) fail("unexpected ", found(), " after the end of the document");
    return v;
  }

 private:
  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    TESSEL_FAIL(origin_, ": invalid JSON at byte ", pos_, ": ", args...);
  }
  std::string found() const {
    if (pos_ >= s_.size()) return "the end of the text";
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c < 0x20 || c >= 0x7f) return detail::str_cat("byte 0x", std::hex, int(c));
    return detail::str_cat("'", char(c), "'");
  }
  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) return ++pos_, true;
    return false;
  }
  void expect(char c, const char* where) {
    if (!eat(c)) fail("expected '", c, "' ", where, ", found ", found());
  }

  // The path of a member (sep ".") or element (sep "") of the value at `where`: "origin: key",
  // "where.key", "where[3]".
  static std::string child(const std::string& where, int depth, const char* sep,
                           const std::string& part) {
    return depth == 0 ? where + ": " + part : where + sep + part;
  }

  Json value(const std::string& where, int depth) {
    if (depth >= kMaxDepth) fail("nested deeper than ", kMaxDepth, " levels");
    skip_space();
    char c = pos_ < s_.size() ? s_[pos_] : '\0';
    if (c == '{') {
      ++pos_;
      Json::Object members;
      std::unordered_set<std::string> seen;
      if (eat('}')) return Json(std::move(members), where);
      do {
        skip_space();
        size_t key_at = pos_;
        if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key, found ", found());
        std::string key = string();
        if (!seen.insert(key).second) pos_ = key_at, fail("duplicate key ", json_quote(key));
        expect(':', "after an object key");
        Json v = value(child(where, depth, ".", key), depth + 1);
        members.emplace_back(std::move(key), std::move(v));
      } while (eat(','));
      expect('}', "after an object member");
      return Json(std::move(members), where);
    }
    if (c == '[') {
      ++pos_;
      Json::Array items;
      if (eat(']')) return Json(std::move(items), where);
      do
        items.push_back(
            value(child(where, depth, "", detail::str_cat("[", items.size(), "]")), depth + 1));
      while (eat(','));
      expect(']', "after an array element");
      return Json(std::move(items), where);
    }
    if (c == '"') return Json(string(), where);
    if (c == '-' || is_digit(c)) return Json(Json::Number{number()}, where);
    if (s_.substr(pos_, 4) == "true") return pos_ += 4, Json(true, where);
    if (s_.substr(pos_, 5) == "false") return pos_ += 5, Json(false, where);
    if (s_.substr(pos_, 4) == "null") return pos_ += 4, Json(nullptr, where);
    fail("expected a value, found ", found());
  }

  std::string number() {
    size_t start = pos_;
    auto digits = [&] {
      if (pos_ >= s_.size() || !is_digit(s_[pos_])) fail("expected a digit, found ", found());
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0')
      ++pos_;  // no leading zeros
    else
      digits();
    if (pos_ < s_.size() && s_[pos_] == '.') ++pos_, digits();
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      digits();
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  uint32_t hex4() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      char c = pos_ < s_.size() ? s_[pos_] : '\0';
      int d = is_digit(c)              ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) fail("expected a hex digit in a \\u escape, found ", found());
      v = v * 16 + uint32_t(d);
    }
    return v;
  }

  // One UTF-8 sequence starting at pos_ (a byte >= 0x80), checked and copied: shortest form,
  // no surrogates, at most U+10FFFF.
  void utf8(std::string& out) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(s_[i]); };
    unsigned char b = byte(pos_);
    int n = b >= 0xc2 && b <= 0xdf   ? 1
            : b >= 0xe0 && b <= 0xef ? 2
            : b >= 0xf0 && b <= 0xf4 ? 3
                                     : -1;
    if (n < 0) fail("invalid UTF-8 ", found());
    if (pos_ + size_t(n) >= s_.size()) fail("truncated UTF-8 sequence");
    uint32_t cp = b & (0x3f >> n);
    for (int i = 1; i <= n; ++i) {
      if ((byte(pos_ + size_t(i)) & 0xc0) != 0x80) fail("invalid UTF-8 sequence");
      cp = (cp << 6) | (byte(pos_ + size_t(i)) & 0x3f);
    }
    static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
      fail("invalid UTF-8 sequence (overlong, surrogate or beyond U+10FFFF)");
    out.append(s_.substr(pos_, size_t(n) + 1));
    pos_ += size_t(n) + 1;
  }

  std::string string() {  // at the opening quote
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') return ++pos_, out;
      if (c < 0x20) fail("unescaped control character ", found(), " in a string");
      if (c >= 0x80) {
        utf8(out);
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out += char(c);
        continue;
      }
      char e = pos_ < s_.size() ? s_[pos_++] : '\0';
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xd800 && cp < 0xdc00) {  // a high surrogate needs its low half
            if (s_.substr(pos_, 2) != "\\u") fail("unpaired surrogate in a \\u escape");
            pos_ += 2;
            uint32_t lo = hex4();
            if (lo < 0xdc00 || lo >= 0xe000) fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            fail("unpaired surrogate in a \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_, fail("invalid escape '\\", e, "'");
      }
    }
  }

  std::string_view s_;
  const std::string& origin_;
  size_t pos_ = 0;
};

}  // namespace

Json parse_json(std::string_view text, const std::string& origin) {
  return Parser(text, origin).document();
}

Json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSEL_CHECK(in, "read_json: cannot open '", path, "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace tessel
