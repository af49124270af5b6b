#include <gtest/gtest.h>

#include "engine/json.h"
#include "tests/op_harness.h"

using namespace tessel;

namespace {
Json parse(std::string_view s) {
  return parse_json(s, "test");
}
}  // namespace

TEST(Json, Values) {
  Json v = parse(R"( {"a": [1, -2.5e3, true, false, null, "s"], "b": {}, "c": []} )");
  ASSERT_EQ(v.type(), Json::Type::Object);
  ASSERT_EQ(v.object().size(), 3u);
  EXPECT_EQ(v.object()[0].first, "a");  // document order
  const Json::Array& a = v.find("a")->array();
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].as_index(), 1);
  EXPECT_EQ(a[1].literal(), "-2.5e3");
  EXPECT_EQ(a[1].number(), -2500.0);
  EXPECT_EQ(a[1].as_index(), std::nullopt);
  EXPECT_TRUE(a[2].boolean());
  EXPECT_EQ(a[3].type(), Json::Type::Bool);
  EXPECT_EQ(a[4].type(), Json::Type::Null);
  EXPECT_EQ(a[5].string(), "s");
  EXPECT_EQ(a[5].as_index(), std::nullopt);  // not a number
  EXPECT_EQ(v.find("b")->type(), Json::Type::Object);
  EXPECT_EQ(v.find("zz"), nullptr);
  EXPECT_EQ(parse("9223372036854775807").as_index(), INT64_MAX);
  EXPECT_EQ(parse("9223372036854775808").as_index(), std::nullopt);  // over int64
  EXPECT_EQ(parse("-0").as_index(), std::nullopt);
  EXPECT_EQ(parse("1.0").as_index(), std::nullopt);
}

TEST(Json, StringsAndEscapes) {
  EXPECT_EQ(parse(R"("\" \\ \/ \b \f \n \r \t")").string(), "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(parse(R"("caf\u00e9 \u03b2 \ud83d\ude00")").string(),
            "caf\xc3\xa9 \xce\xb2 \xf0\x9f\x98\x80");
  EXPECT_EQ(parse("\"caf\xc3\xa9\"").string(), "caf\xc3\xa9");  // raw UTF-8 passes through
  // Every byte below 0x80 and some UTF-8 quote and parse back to themselves.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += char(c);
  all += "\xe2\x82\xac\xf0\x9f\x98\x80";
  EXPECT_EQ(parse(json_quote(all)).string(), all);
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
  EXPECT_EQ(parse(std::string(64, '[') + std::string(64, ']')).type(), Json::Type::Array);
  EXPECT_ERROR(parse(std::string(65, '[') + std::string(65, ']')), "nested deeper than 64");
}

// Every value knows where it came from, and typed access names it when the type is wrong.
TEST(Json, TypedAccessNamesTheKeyAtFault) {
  Json doc = parse_json(R"({"a": [1, -2.5e1, true, null, 0.5], "s": "x\"\u00e9\ud83d\ude00",
                            "o": {"k": [[0, 128, 255]]}})",
                        "doc.json");
  EXPECT_EQ(doc.at("a").array()[1].number(), -25.0);
  EXPECT_TRUE(doc.at("a").array()[2].boolean());
  EXPECT_EQ(doc.at("s").string(), "x\"\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(doc.at("o").at("k").array()[0].where(), "doc.json: o.k[0]");
  EXPECT_EQ(parse_json(R"([{"a": [1]}])", "p").array()[0].at("a").array()[0].where(),
            "p: [0].a[0]");
  EXPECT_EQ(doc.find("missing"), nullptr);
  EXPECT_ERROR(doc.at("o").at("k").array()[0].string(),
               "doc.json: o.k[0] is an array, expected a string");
  EXPECT_ERROR(doc.at("o").at("q"), "doc.json: o has no key 'q'");
  EXPECT_ERROR(doc.at("s").at("q"), "doc.json: s is a string, expected an object");
  EXPECT_EQ(doc.at("a").array()[1].integer(), -25);
  EXPECT_ERROR(doc.at("a").array()[4].integer(), "doc.json: a[4] is 0.5, expected a whole");
  EXPECT_ERROR(parse_json("{\"a\": 1,\n \"b\" 2}", "bad.json"),
               "bad.json: invalid JSON at byte 14: expected ':'");
  EXPECT_ERROR(parse_json("[1] 2", "t.json"), "unexpected '2' after the end of the document");
  EXPECT_ERROR(read_json("/nonexistent/x.json"), "cannot open '/nonexistent/x.json'");
}
