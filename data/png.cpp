#include "data/png.h"

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/error.h"
#include "data/decode_limits.h"

namespace tessel::data::png {
namespace {

constexpr std::array<uint8_t, 8> kSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

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

namespace {

// libpng reports an error by calling on_error, which must not return: it longjmps to the setjmp
// of the guarded() call in progress. guarded() is the only setjmp; the steps it runs hold nothing
// with a destructor, and everything owned (the png_struct, the FILE*, the pixels) lives in
// decode()'s frame, so a longjmp skips no destructor and leaks nothing.
struct Messages {
  char error[200] = "";
  char warnings[200] = "";  // the first few, "; "-separated: they often say why the error came
};

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* m = static_cast<Messages*>(png_get_error_ptr(png));
  std::snprintf(m->error, sizeof m->error, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp png, png_const_charp message) {
  auto* m = static_cast<Messages*>(png_get_error_ptr(png));
  size_t used = std::strlen(m->warnings);
  std::snprintf(m->warnings + used, sizeof m->warnings - used, "%s%s", used ? "; " : "", message);
}

template <typename Step>
bool guarded(png_structp png, Step step) {
  if (setjmp(png_jmpbuf(png))) return false;
  step();
  return true;
}

struct ReadStruct {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~ReadStruct() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

[[noreturn]] void fail(const std::string& path, const Messages& m) {
  TESSEL_FAIL("png: ", path, ": ", m.error[0] ? m.error : "libpng failed",
              m.warnings[0] ? std::string(" (") + m.warnings + ")" : std::string());
}

}  // namespace

bool is_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<uint8_t, 8> head{};
  return in.read(reinterpret_cast<char*>(head.data()), head.size()) && head == kSignature;
}

std::optional<ColourType> colour_type(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSEL_CHECK(in.good(), "png: cannot open ", path);
  std::array<uint8_t, 26> head{};  // signature, IHDR length and type, width, height, depth, type
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  if (!in || !std::equal(kSignature.begin(), kSignature.end(), head.begin()) ||
      std::memcmp(&head[12], "IHDR", 4) != 0)
    return std::nullopt;
  return ColourType(head[25]);
}

Pixels decode(const std::string& path, Mode mode) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  TESSEL_CHECK(file != nullptr, "png: cannot open ", path, ": ", std::strerror(errno));
  Messages messages;
  ReadStruct rs;
  rs.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &messages, on_error, on_warning);
  TESSEL_CHECK(rs.png != nullptr, "png: ", path, ": cannot create a libpng reader");
  rs.info = png_create_info_struct(rs.png);
  TESSEL_CHECK(rs.info != nullptr, "png: ", path, ": cannot create a libpng reader");
  png_structp png = rs.png;
  png_infop info = rs.info;

  // The header, within libpng's own limits: no dimension beyond 2^31 - 1, no ancillary chunk
  // (text, ICC profile) inflating past 16 MB, at most 1000 of them.
  png_uint_32 width = 0, height = 0;
  int depth = 0, type = 0, interlace = 0;
  if (!guarded(png, [&] {
        png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
        png_set_chunk_malloc_max(png, 16 << 20);
        png_set_chunk_cache_max(png, 1000);
        png_init_io(png, file.get());
        png_read_info(png, info);
        png_get_IHDR(png, info, &width, &height, &depth, &type, &interlace, nullptr, nullptr);
      }))
    fail(path, messages);
  check_declared_size("png", path, width, height);

  Pixels out;
  out.height = height;
  out.width = width;
  out.bit_depth = depth;
  out.colour_type = ColourType(type);
  if (type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp plte = nullptr;
    int entries = 0;
    if (png_get_PLTE(png, info, &plte, &entries) == PNG_INFO_PLTE)
      for (int i = 0; i < entries; ++i)
        out.palette.push_back({plte[i].red, plte[i].green, plte[i].blue});
  }
  const bool display = mode == Mode::Display && type != PNG_COLOR_TYPE_PALETTE;
  const bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  int passes = 1;
  size_t row = 0;
  if (!guarded(png, [&] {
        png_set_packing(png);  // bit depths 1, 2, 4: one byte per sample, values as stored
        if (depth == 16 && std::endian::native == std::endian::little) png_set_swap(png);
        if (display && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
        if (display && trns) png_set_tRNS_to_alpha(png);
        if (display && (type == PNG_COLOR_TYPE_GRAY_ALPHA || (type == PNG_COLOR_TYPE_GRAY && trns)))
          png_set_gray_to_rgb(png);
        passes = png_set_interlace_handling(png);
        png_read_update_info(png, info);
        out.channels = png_get_channels(png, info);
        row = png_get_rowbytes(png, info);
      }))
    fail(path, messages);
  out.sample_bytes = depth == 16 ? 2 : 1;
  TESSEL_CHECK(row == checked_mul(checked_mul(width, size_t(out.channels), path, "row size"),
                                  size_t(out.sample_bytes), path, "row size"),
               "png: ", path, ": libpng gives rows of ", row, " bytes for ", width, " pixels of ",
               out.channels, " x ", out.sample_bytes, " bytes");
  const size_t total = checked_mul(row, height, path, "image size");

  // Rows are appended as they decode: capacity is reserved but untouched, so a file whose data
  // ends early costs the rows it had, not its declared size. Interlaced images revisit every row
  // on each of their 7 passes, so they take the whole buffer at once.
  reserve_pixels(out.bytes, total, passes > 1, path);
  for (int pass = 0; pass < passes; ++pass)
    for (size_t y = 0; y < height; ++y) {
      if (passes == 1) out.bytes.resize(out.bytes.size() + row);
      png_bytep dst = out.bytes.data() + y * row;
      if (!guarded(png, [&] { png_read_row(png, dst, nullptr); })) fail(path, messages);
    }
  if (!guarded(png, [&] { png_read_end(png, nullptr); })) fail(path, messages);

  if (type == PNG_COLOR_TYPE_PALETTE) {
    const size_t entries = out.palette.size();
    if (entries < 256)
      for (size_t i = 0; i < out.bytes.size(); ++i)
        TESSEL_CHECK(out.bytes[i] < entries, "png: ", path, ": palette index ", int(out.bytes[i]),
                     " at (", i / width, ", ", i % width, ") is beyond the ", entries,
                     "-entry palette");
    if (mode == Mode::Display) {  // expanded here, after the check, rather than by libpng
      png_bytep alpha = nullptr;
      int alphas = 0;
      if (trns) png_get_tRNS(png, info, &alpha, &alphas, nullptr);
      out.channels = trns ? 4 : 3;
      std::vector<uint8_t> rgb(
          checked_mul(out.bytes.size(), size_t(out.channels), path, "image size"));
      uint8_t* p = rgb.data();
      for (uint8_t index : out.bytes) {
        p = std::copy(out.palette[index].begin(), out.palette[index].end(), p);
        if (trns) *p++ = index < alphas ? alpha[index] : 255;
      }
      out.bytes = std::move(rgb);
    }
  }
  return out;
}

Raster read(const std::string& path) {
  Pixels px = decode(path, Mode::Stored);
  Raster r{px.height, px.width, px.bit_depth, px.colour_type, std::move(px.palette), {}};
  if (px.sample_bytes == 2) {
    r.samples.resize(px.bytes.size() / 2);
    std::memcpy(r.samples.data(), px.bytes.data(), px.bytes.size());
  } else {
    r.samples.assign(px.bytes.begin(), px.bytes.end());
  }
  return r;
}

std::vector<uint8_t> encode(const Raster& r, Filter filter, const std::string& path) {
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
  return out;
}

void write(const std::string& path, const Raster& r, Filter filter) {
  const std::vector<uint8_t> out = encode(r, filter, path);
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
  TESSEL_CHECK(file.good(), "png: cannot write ", path);
}

}  // namespace tessel::data::png
