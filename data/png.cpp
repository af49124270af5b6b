#include "data/png.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"

namespace tessel::data::png {
namespace {

constexpr std::array<uint8_t, 8> kSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSEL_CHECK(in.good(), "png: cannot open ", path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

void store_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

bool valid_depth(ColourType t, int depth) {
  switch (t) {
    case ColourType::Grey:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case ColourType::Palette:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case ColourType::Rgb:
    case ColourType::GreyAlpha:
    case ColourType::Rgba:
      return depth == 8 || depth == 16;
  }
  return false;
}

int64_t row_bytes(const Raster& r) {
  return (r.width * r.channels() * r.bit_depth + 7) / 8;
}

// Filters predict a byte from its left (a), upper (b) and upper-left (c) neighbours at the same
// position within the pixel; filtering stores the difference and unfiltering adds it back.
uint8_t predict(Filter f, uint8_t a, uint8_t b, uint8_t c) {
  switch (f) {
    case Filter::None:
      return 0;
    case Filter::Sub:
      return a;
    case Filter::Up:
      return b;
    case Filter::Average:
      return uint8_t((int(a) + int(b)) / 2);
    case Filter::Paeth: {
      int p = int(a) + int(b) - int(c), pa = std::abs(p - a), pb = std::abs(p - b),
          pc = std::abs(p - c);
      return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
    }
  }
  return 0;
}

// Rows of `stride` bytes, each preceded by its filter byte, undone in place; `bpp` is the
// distance to the left neighbour (whole bytes per pixel, at least one).
void unfilter(std::vector<uint8_t>& data, int64_t height, int64_t stride, int64_t bpp,
              const std::string& path) {
  std::vector<uint8_t> zeros(static_cast<size_t>(stride), 0);
  const uint8_t* prev = zeros.data();
  for (int64_t y = 0; y < height; ++y) {
    uint8_t* row = data.data() + y * (stride + 1);
    TESSEL_CHECK(row[0] <= 4, "png: ", path, ": row ", y, " has unknown filter type ", int(row[0]));
    Filter f = Filter(row[0]);
    uint8_t* cur = row + 1;
    for (int64_t i = 0; i < stride; ++i) {
      uint8_t a = i >= bpp ? cur[i - bpp] : 0, c = i >= bpp ? prev[i - bpp] : 0;
      cur[i] = uint8_t(cur[i] + predict(f, a, prev[i], c));
    }
    prev = cur;
  }
}

struct Chunk {
  std::string type;
  const uint8_t* data;
  uint32_t size;
};

// Splits the file into chunks, checking lengths and CRCs so that truncation and corruption are
// reported here, by chunk, rather than as garbage pixels.
std::vector<Chunk> chunks(const std::vector<uint8_t>& bytes, const std::string& path) {
  TESSEL_CHECK(bytes.size() >= 8 && std::equal(kSignature.begin(), kSignature.end(), bytes.begin()),
               "png: ", path, ": not a PNG file (bad signature)");
  std::vector<Chunk> out;
  size_t pos = 8;
  while (out.empty() || out.back().type != "IEND") {
    TESSEL_CHECK(pos + 12 <= bytes.size(), "png: ", path, ": truncated at byte ", pos,
                 " (no IEND chunk)");
    uint32_t size = load_be32(&bytes[pos]);
    TESSEL_CHECK(size <= bytes.size() - pos - 12, "png: ", path, ": truncated chunk '",
                 std::string(bytes.begin() + pos + 4, bytes.begin() + pos + 8), "' of ", size,
                 " bytes at byte ", pos);
    const uint8_t* type = &bytes[pos + 4];
    uint32_t crc = uint32_t(crc32(0, type, size + 4));
    std::string name(type, type + 4);
    TESSEL_CHECK(crc == load_be32(type + 4 + size), "png: ", path, ": CRC mismatch in chunk '",
                 name, "' at byte ", pos, " (corrupt file)");
    out.push_back({name, type + 4, size});
    pos += 12 + size;
  }
  return out;
}

void append_chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
  store_be32(out, uint32_t(data.size()));
  size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  store_be32(out, uint32_t(crc32(0, &out[start], uInt(data.size() + 4))));
}

}  // namespace

int Raster::channels() const {
  switch (colour_type) {
    case ColourType::Rgb:
      return 3;
    case ColourType::GreyAlpha:
      return 2;
    case ColourType::Rgba:
      return 4;
    default:
      return 1;
  }
}

std::optional<ColourType> colour_type(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSEL_CHECK(in.good(), "png: cannot open ", path);
  std::array<uint8_t, 26> head{};  // signature, IHDR length and type, width, height, depth, type
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  if (!in || !std::equal(kSignature.begin(), kSignature.end(), head.begin())) return std::nullopt;
  return ColourType(head[25]);
}

Raster read(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  Raster r;
  std::vector<uint8_t> idat;
  bool have_header = false;
  for (const Chunk& c : chunks(bytes, path)) {
    if (c.type == "IHDR") {
      TESSEL_CHECK(c.size == 13, "png: ", path, ": IHDR of ", c.size, " bytes, expected 13");
      r.width = load_be32(c.data);
      r.height = load_be32(c.data + 4);
      r.bit_depth = c.data[8];
      r.colour_type = ColourType(c.data[9]);
      TESSEL_CHECK(valid_depth(r.colour_type, r.bit_depth), "png: ", path, ": colour type ",
                   int(c.data[9]), " with bit depth ", r.bit_depth, " is not valid PNG");
      TESSEL_CHECK(c.data[12] == 0, "png: ", path,
                   ": interlaced (Adam7) PNGs are not supported; save it without interlacing");
      have_header = true;
    } else if (c.type == "PLTE") {
      TESSEL_CHECK(c.size % 3 == 0, "png: ", path, ": PLTE of ", c.size, " bytes");
      for (uint32_t i = 0; i < c.size; i += 3)
        r.palette.push_back({c.data[i], c.data[i + 1], c.data[i + 2]});
    } else if (c.type == "IDAT") {
      idat.insert(idat.end(), c.data, c.data + c.size);
    }
  }
  TESSEL_CHECK(have_header, "png: ", path, ": no IHDR chunk");
  int64_t stride = row_bytes(r);
  uLongf expected = uLongf(r.height * (stride + 1)), got = expected;
  std::vector<uint8_t> data(static_cast<size_t>(expected));
  int z = uncompress(data.data(), &got, idat.data(), uLong(idat.size()));
  TESSEL_CHECK(z == Z_OK && got == expected, "png: ", path, ": image data does not inflate to ",
               r.height, " rows of ", stride, " bytes (zlib: ", zError(z), ", ", got, " bytes)");
  unfilter(data, r.height, stride, std::max(1, r.channels() * r.bit_depth / 8), path);

  int64_t per_row = r.width * r.channels();
  r.samples.resize(static_cast<size_t>(r.height * per_row));
  uint16_t* out = r.samples.data();
  for (int64_t y = 0; y < r.height; ++y) {
    const uint8_t* row = data.data() + y * (stride + 1) + 1;
    for (int64_t s = 0; s < per_row; ++s) {
      if (r.bit_depth == 16) {
        *out++ = uint16_t(row[2 * s] << 8 | row[2 * s + 1]);
      } else {  // samples packed from the most significant bit down
        int64_t bit = s * r.bit_depth;
        *out++ = uint16_t((row[bit / 8] >> (8 - r.bit_depth - bit % 8)) & ((1 << r.bit_depth) - 1));
      }
    }
  }
  return r;
}

void write(const std::string& path, const Raster& r, Filter filter) {
  TESSEL_CHECK(valid_depth(r.colour_type, r.bit_depth), "png: ", path, ": colour type ",
               int(r.colour_type), " with bit depth ", r.bit_depth, " is not valid PNG");
  int64_t per_row = r.width * r.channels(), stride = row_bytes(r);
  TESSEL_CHECK(int64_t(r.samples.size()) == r.height * per_row, "png: ", path, ": ",
               r.samples.size(), " samples for ", r.height, "x", r.width, "x", r.channels());
  TESSEL_CHECK(r.colour_type != ColourType::Palette || !r.palette.empty(), "png: ", path,
               ": a palette image needs a palette");
  // Pack the samples into rows, then filter from the last row up so each row still sees its
  // unfiltered upper neighbour.
  std::vector<uint8_t> data(static_cast<size_t>(r.height * (stride + 1)), 0);
  for (int64_t y = 0; y < r.height; ++y) {
    uint8_t* row = data.data() + y * (stride + 1);
    row[0] = uint8_t(filter);
    const uint16_t* in = r.samples.data() + y * per_row;
    for (int64_t s = 0; s < per_row; ++s) {
      if (r.bit_depth == 16) {
        row[1 + 2 * s] = uint8_t(in[s] >> 8);
        row[2 + 2 * s] = uint8_t(in[s]);
      } else {
        int64_t bit = s * r.bit_depth;
        row[1 + bit / 8] |=
            uint8_t((in[s] & ((1 << r.bit_depth) - 1)) << (8 - r.bit_depth - bit % 8));
      }
    }
  }
  int64_t bpp = std::max(1, r.channels() * r.bit_depth / 8);
  for (int64_t y = r.height - 1; y >= 0; --y) {
    uint8_t* cur = data.data() + y * (stride + 1) + 1;
    const uint8_t* prev = y > 0 ? cur - (stride + 1) : nullptr;
    for (int64_t i = stride - 1; i >= 0; --i) {  // right to left: left neighbours stay raw
      uint8_t a = i >= bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0,
              c = prev && i >= bpp ? prev[i - bpp] : 0;
      cur[i] = uint8_t(cur[i] - predict(filter, a, b, c));
    }
  }

  uLongf packed_size = compressBound(uLong(data.size()));
  std::vector<uint8_t> packed(packed_size);
  int z = compress2(packed.data(), &packed_size, data.data(), uLong(data.size()), 6);
  TESSEL_CHECK(z == Z_OK, "png: ", path, ": zlib compress failed: ", zError(z));
  packed.resize(packed_size);

  std::vector<uint8_t> header, out(kSignature.begin(), kSignature.end());
  store_be32(header, uint32_t(r.width));
  store_be32(header, uint32_t(r.height));
  header.insert(header.end(), {uint8_t(r.bit_depth), uint8_t(r.colour_type), 0, 0, 0});
  append_chunk(out, "IHDR", header);
  if (r.colour_type == ColourType::Palette) {
    std::vector<uint8_t> plte;
    for (const Rgb& c : r.palette) plte.insert(plte.end(), c.begin(), c.end());
    append_chunk(out, "PLTE", plte);
  }
  append_chunk(out, "IDAT", packed);
  append_chunk(out, "IEND", {});
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
  TESSEL_CHECK(file.good(), "png: cannot write ", path);
}

}  // namespace tessel::data::png
