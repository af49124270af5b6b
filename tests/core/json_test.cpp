#include <gtest/gtest.h>

#include "core/json.h"
#include "tests/op_harness.h"

using namespace tessel;

namespace {
Json parse(std::string_view s) {
  return parse_json(s, "test");
}
}  // namespace

TEST(Json, IntegersStayExact) {
  Json v = parse(R"([9223372036854775807, 18446744073709551615, -9223372036854775808, 2.5])");
  EXPECT_EQ(JsonRef(v[0], "a").index(), INT64_MAX);
  EXPECT_EQ(JsonRef(v[1], "a").unsigned_integer(), UINT64_MAX);
  EXPECT_EQ(JsonRef(v[2], "a").integer(), INT64_MIN);
  EXPECT_EQ(JsonRef(v[3], "a").number(), 2.5);
  EXPECT_ERROR(JsonRef(v[1], "a").index(), "a is 18446744073709551615, expected a non-negative");
  EXPECT_ERROR(JsonRef(v[1], "a").integer(), "a is 18446744073709551615, expected a 64-bit");
  EXPECT_ERROR(JsonRef(v[2], "a").index(), "a is -9223372036854775808, expected a non-negative");
  EXPECT_ERROR(JsonRef(v[3], "a").integer(), "a is 2.5, expected a 64-bit integer");
  EXPECT_ERROR(JsonRef(parse("2.0"), "a").index(), "a is 2.0, expected a non-negative integer");
  EXPECT_ERROR(JsonRef(parse("\"1\""), "a").index(), "a is a string, expected a non-negative");
}

TEST(Json, StringsAndEscapes) {
  EXPECT_EQ(parse(R"("\" \\ \/ \b \f \n \r \t")"), "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(parse(R"("caf\u00e9 \u03b2 \ud83d\ude00")"), "caf\xc3\xa9 \xce\xb2 \xf0\x9f\x98\x80");
  EXPECT_EQ(parse("\"caf\xc3\xa9\""), "caf\xc3\xa9");  // raw UTF-8 passes through
  // Every byte below 0x80 and some UTF-8 quote and parse back to themselves.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += char(c);
  all += "\xe2\x82\xac\xf0\x9f\x98\x80";
  EXPECT_EQ(parse(json_quote(all)), all);
  EXPECT_EQ(json_quote("a\"\n\x01"), "\"a\\\"\\n\\u0001\"");
  EXPECT_ERROR(json_quote("a\xff"), "json_quote: \"a\xef\xbf\xbd\": invalid UTF-8 byte");
}

TEST(Json, SyntaxErrorsNameTheByte) {
  EXPECT_ERROR(parse(""), "test: invalid JSON at byte 0: syntax error while parsing value");
  EXPECT_ERROR(parse("01"), "at byte 1: syntax error while parsing value");
  EXPECT_ERROR(parse("[1,]"), "at byte 3: syntax error while parsing value");
  EXPECT_ERROR(parse("[1 2]"), "at byte 3: syntax error while parsing array");
  EXPECT_ERROR(parse(R"({"a" 1})"), "at byte 5: syntax error while parsing object separator");
  EXPECT_ERROR(parse("\"a\nb\""), "at byte 2:");
  EXPECT_ERROR(parse(R"("\x")"), "at byte 2:");
  EXPECT_ERROR(parse(R"("\ud83d")"), "surrogate");
  EXPECT_ERROR(parse(R"("\ude00")"), "surrogate");
  EXPECT_ERROR(parse("\"\xc0\xaf\""), "ill-formed UTF-8");      // overlong '/'
  EXPECT_ERROR(parse("\"\xed\xa0\x80\""), "ill-formed UTF-8");  // a surrogate
  EXPECT_ERROR(parse("\"\xe2\x82\""), "ill-formed UTF-8");
  EXPECT_ERROR(parse("{\"\xff\":1}"), "at byte 2: syntax error while parsing object key");
  EXPECT_ERROR(parse("1e999"), "test: invalid JSON at byte 4: number overflow parsing '1e999'");
  EXPECT_ERROR(parse_json("{\"a\": 1,\n \"b\" 2}", "bad.json"),
               "bad.json: invalid JSON at byte 14: syntax error");
}

TEST(Json, DuplicateKeysAndDeepNestingAreErrors) {
  EXPECT_ERROR(parse(R"({"a":1,"a":2})"), "test: duplicate key \"a\"");
  EXPECT_ERROR(parse(R"({"o":{"k":1,"j":[{"x":0,"x":0}]}})"), "test: duplicate key \"x\"");
  // The same key in sibling or nested objects is no repeat.
  EXPECT_EQ(parse(R"([{"a":1},{"a":{"a":2}}])")[1]["a"]["a"], 2);
  auto nested = [](size_t depth, const char* inner) {
    std::string s(depth, '[');
    s += inner;
    s.append(depth, ']');
    return s;
  };
  EXPECT_TRUE(parse(nested(64, "")).is_array());
  EXPECT_ERROR(parse(nested(65, "")), "test: invalid JSON: nested deeper than 64 levels");
  EXPECT_ERROR(parse(nested(64, "{}")), "nested deeper than 64");
}

// A value's name is built along the path read, and typed access names it when the type is wrong.
TEST(Json, TypedAccessNamesTheKeyAtFault) {
  const Json json = parse_json(R"({"a": [1, -2.5e1, true, null, 0.5], "s": "x\"\u00e9",
                                   "o": {"k": [[0, 128, 255]]}})",
                               "doc.json");
  const JsonRef doc = JsonRef::document(json, "doc.json");
  std::vector<JsonRef> a = doc.at("a").elements();
  EXPECT_EQ(a[1].number(), -25.0);
  EXPECT_TRUE(a[2].boolean());
  EXPECT_EQ(doc.at("s").string(), "x\"\xc3\xa9");
  EXPECT_EQ(doc.at("o").at("k").elements()[0].where(), "doc.json: o.k[0]");
  EXPECT_EQ(a[4].where(), "doc.json: a[4]");
  const Json top = parse(R"([{"a": [1]}])");
  EXPECT_EQ(JsonRef::document(top, "p").elements()[0].at("a").elements()[0].where(), "p: [0].a[0]");
  EXPECT_FALSE(doc.find("missing"));
  EXPECT_EQ(doc.members().size(), 3u);
  EXPECT_EQ(doc.members()[1].first, "s");  // in document order
  EXPECT_EQ(doc.members()[1].second.where(), "doc.json: s");
  EXPECT_ERROR(doc.at("o").at("k").elements()[0].string(),
               "doc.json: o.k[0] is an array, expected a string");
  EXPECT_ERROR(doc.at("o").at("q"), "doc.json: o has no key 'q'");
  EXPECT_ERROR(doc.at("s").at("q"), "doc.json: s is a string, expected an object");
  EXPECT_ERROR(doc.at("s").elements(), "doc.json: s is a string, expected an array");
  EXPECT_ERROR(a[3].number(), "doc.json: a[3] is null, expected a number");
  EXPECT_ERROR(a[4].integer(), "doc.json: a[4] is 0.5, expected a 64-bit integer");
  EXPECT_ERROR(a[0].boolean(), "doc.json: a[0] is a number, expected a boolean");
  EXPECT_ERROR(JsonRef(json, "model.safetensors: tensor 'x'").at("a").string(),
               "model.safetensors: tensor 'x'.a is an array, expected a string");
  EXPECT_ERROR(read_json("/nonexistent/x.json"), "cannot open '/nonexistent/x.json'");
}
