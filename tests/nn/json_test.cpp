#include <gtest/gtest.h>

#include "nn/json.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::nn;

namespace {
Json parse(std::string_view s) {
  return parse_json(s, "test");
}
}  // namespace

TEST(Json, Values) {
  Json v = parse(R"( {"a": [1, -2.5e3, true, false, null, "s"], "b": {}, "c": []} )");
  ASSERT_EQ(v.type, Json::Type::Object);
  ASSERT_EQ(v.members.size(), 3u);
  EXPECT_EQ(v.members[0].first, "a");  // document order
  const Json& a = *v.find("a");
  ASSERT_EQ(a.items.size(), 6u);
  EXPECT_EQ(a.items[0].as_index(), 1);
  EXPECT_EQ(a.items[1].text, "-2.5e3");
  EXPECT_EQ(a.items[1].as_index(), std::nullopt);
  EXPECT_TRUE(a.items[2].boolean);
  EXPECT_EQ(a.items[3].type, Json::Type::Bool);
  EXPECT_EQ(a.items[4].type, Json::Type::Null);
  EXPECT_EQ(a.items[5].text, "s");
  EXPECT_EQ(v.find("b")->type, Json::Type::Object);
  EXPECT_EQ(v.find("zz"), nullptr);
  EXPECT_EQ(parse("9223372036854775807").as_index(), INT64_MAX);
  EXPECT_EQ(parse("9223372036854775808").as_index(), std::nullopt);  // over int64
  EXPECT_EQ(parse("-0").as_index(), std::nullopt);
  EXPECT_EQ(parse("1.0").as_index(), std::nullopt);
}

TEST(Json, StringsAndEscapes) {
  EXPECT_EQ(parse(R"("\" \\ \/ \b \f \n \r \t")").text, "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(parse(R"("caf\u00e9 \u03b2 \ud83d\ude00")").text,
            "caf\xc3\xa9 \xce\xb2 \xf0\x9f\x98\x80");
  EXPECT_EQ(parse("\"caf\xc3\xa9\"").text, "caf\xc3\xa9");  // raw UTF-8 passes through
  // Every byte below 0x80 and some UTF-8 quote and parse back to themselves.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += char(c);
  all += "\xe2\x82\xac\xf0\x9f\x98\x80";
  EXPECT_EQ(parse(json_quote(all)).text, all);
  EXPECT_EQ(json_quote("a\"\n\x01"), "\"a\\\"\\n\\u0001\"");
}

TEST(Json, Errors) {
  EXPECT_ERROR(parse(""), "test: invalid JSON at byte 0: expected a value, found the end");
  EXPECT_ERROR(parse("01"), "at byte 1: unexpected '1' after the end of the document");
  EXPECT_ERROR(parse("-"), "at byte 1: expected a digit");
  EXPECT_ERROR(parse("1."), "at byte 2: expected a digit");
  EXPECT_ERROR(parse("1e+"), "at byte 3: expected a digit");
  EXPECT_ERROR(parse("[1,]"), "at byte 3: expected a value, found ']'");
  EXPECT_ERROR(parse("[1 2]"), "at byte 3: expected ']' after an array element, found '2'");
  EXPECT_ERROR(parse(R"({"a" 1})"), "at byte 5: expected ':' after an object key, found '1'");
  EXPECT_ERROR(parse(R"({"a":1,"a":2})"), "at byte 7: duplicate key \"a\"");
  EXPECT_ERROR(parse("\"a\nb\""), "unescaped control character byte 0xa in a string");
  EXPECT_ERROR(parse(R"("\x")"), "at byte 2: invalid escape '\\x'");
  EXPECT_ERROR(parse(R"("\u12G4")"), "expected a hex digit in a \\u escape, found 'G'");
  EXPECT_ERROR(parse(R"("\ud83d")"), "unpaired surrogate");
  EXPECT_ERROR(parse(R"("\ude00")"), "unpaired surrogate");
  EXPECT_ERROR(parse("\"\xc0\xaf\""), "invalid UTF-8 byte 0xc0");            // overlong '/'
  EXPECT_ERROR(parse("\"\xed\xa0\x80\""), "overlong, surrogate or beyond");  // a surrogate
  EXPECT_ERROR(parse("\"\xe2\x82\""), "at byte 1: invalid UTF-8 sequence");
  EXPECT_ERROR(parse("\"\xe2\x82"), "at byte 1: truncated UTF-8 sequence");
  EXPECT_ERROR(parse("tru"), "expected a value, found 't'");
  EXPECT_EQ(parse(std::string(64, '[') + std::string(64, ']')).type, Json::Type::Array);
  EXPECT_ERROR(parse(std::string(65, '[') + std::string(65, ']')), "nested deeper than 64");
}
