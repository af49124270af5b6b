// The JSON reader on hostile and on large input: random and mutated bytes only ever throw
// tessel::Error, and a big safetensors-like header costs a bounded number of heap bytes per byte.
#include <gtest/gtest.h>
#include <malloc.h>

#include <random>

#include "core/error.h"
#include "core/json.h"

using namespace tessel;

namespace {

// `entries` tensors described the way a safetensors header describes them.
std::string header_of(int entries) {
  std::string s = "{\"__metadata__\":{\"format\":\"pt\"}";
  for (int i = 0; i < entries; ++i) {
    int64_t begin = int64_t(i) * 147456;
    s += ",\"encoder.layers." + std::to_string(i) +
         ".attention.weight\":{\"dtype\":\"F32\",\"shape\":[64,64,3,3],\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(begin + 147456) + "]}";
  }
  return s + "}";
}

// A valid document touching each part of the grammar, then one mutation of it.
std::string mutated(std::mt19937_64& rng) {
  static const std::string seeds[] = {
      header_of(3),
      R"({"a": [1, -2.5e3, true, false, null, "s\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"], "b": {}})",
      "[[[[{\"k\": [0.5, 1E+2, -0, 18446744073709551615]}]]]]",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
  };
  std::string s = seeds[rng() % std::size(seeds)];
  auto pos = [&] { return s.empty() ? size_t(0) : size_t(rng() % (s.size() + 1)); };
  static const char tokens[] = "{}[],:\"\\-+.eE0123456789tfnul \n\x80\xbf\xc3\xed\xf0\xff";
  int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    size_t at = pos();
    switch (rng() % 5) {
      case 0:  // overwrite a byte with any byte
        if (at < s.size()) s[at] = char(rng());
        break;
      case 1:  // insert a byte the grammar cares about
        s.insert(at, 1, tokens[rng() % (sizeof tokens - 1)]);
        break;
      case 2:  // delete a range
        s.erase(at, rng() % 8);
        break;
      case 3:  // repeat a range (a key twice, nesting deeper)
        s.insert(at, s.substr(pos(), rng() % 16));
        break;
      default:  // truncate
        s.resize(at);
    }
  }
  return s;
}

}  // namespace

TEST(JsonRobustness, RandomAndMutatedBytesOnlyEverThrowTesselError) {
  std::mt19937_64 rng(20240611);
  int parsed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    if (i % 8 == 0) {  // bytes with no structure at all
      text.resize(rng() % 64);
      for (char& c : text) c = char(rng());
    } else {
      text = mutated(rng);
    }
    try {
      Json doc = parse_json(text, "fuzz");
      ++parsed;
      // What we accept we write back the same: dump() takes every string we let through.
      EXPECT_EQ(parse_json(doc.dump(), "fuzz (dumped)"), doc) << text;
    } catch (const Error&) {
      // a clean rejection; anything else escapes and fails the test
    }
  }
  EXPECT_GT(parsed, 100);  // the mutations leave some documents valid, so both paths run
}

// Heap held by the parsed value per byte of text, for a header of 20k tensors (2.3 MB): about 5
// (4.5 counted by a counting operator new, 8.1 at the peak of parsing). The parser before
// nlohmann kept a path string in every value: 14.9 here (15.8 at its peak), far more for deeper
// documents, and safetensors allows 100 MB headers.
TEST(JsonRobustness, ALargeHeaderCostsFewHeapBytesPerByte) {
  const std::string text = header_of(20000);
  auto heap = [] {
    struct mallinfo2 m = mallinfo2();
    return double(m.uordblks + m.hblkhd);
  };
  const double before = heap();
  Json header = parse_json(text, "header");
  const double per_byte = (heap() - before) / double(text.size());
  ASSERT_EQ(header.size(), 20001u);
  std::cout << "parsed " << text.size() << " bytes: " << per_byte << " heap bytes per byte\n";
  EXPECT_LT(per_byte, 8.0);
}

// A document built to cost far more memory than its size ("[[], [], ...]" takes 16 bytes per byte,
// '["", "", ...]' 21) is refused once it passes 16 per byte, before it takes more; documents of
// the same size that headers and configs are made of still parse.
TEST(JsonRobustness, DocumentsCostingOver16BytesPerByteAreRefused) {
  std::string empties = "[";
  for (int i = 0; i < 1000000; ++i) empties += "\"\",";
  empties.back() = ']';
  EXPECT_ERROR(parse_json(empties, "strings.json"),
               "strings.json: the JSON document needs more than 48000016 bytes of memory to hold "
               "(16 per byte of its 3000001; headers and configs need under 8): refused");
  std::string numbers = "[";
  for (int i = 0; i < 1000000; ++i) numbers += "1,";
  numbers.back() = ']';
  EXPECT_EQ(parse_json(numbers, "numbers.json").size(), 1000000u);
  EXPECT_EQ(parse_json(header_of(20000), "header").size(), 20001u);
}
