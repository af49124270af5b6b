#include "data/jpeg.h"

// jpeglib.h needs size_t and FILE declared first.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "core/error.h"
#include "data/decode_limits.h"

namespace tessel::data::jpeg {
namespace {

// What libjpeg may hold for any progressive file (see read()): a 2048 x 2048 RGB image's worth.
constexpr long kCoefficientFloor = 32L << 20;

// libjpeg reports an error by calling error_exit, which must not return: on_error longjmps to the
// setjmp of the guarded() call in progress. guarded() is the only setjmp; the steps it runs hold
// nothing with a destructor, and everything owned (the codec struct, the FILE*, the pixels) lives
// in the caller's frame, so a longjmp skips no destructor and leaks nothing.
struct ErrorManager {
  jpeg_error_mgr mgr;  // first, so libjpeg's pointer to it is a pointer to this
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorManager*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (corrupt data libjpeg can decode past) are dropped, except data that ends early:
// libjpeg would fill the missing rows with grey.
void on_message(j_common_ptr c, int level) {
  if (level == -1 && c->err->msg_code == JWRN_JPEG_EOF) on_error(c);
}

template <typename Step>
bool guarded(ErrorManager& e, Step step) {
  if (setjmp(e.jump)) return false;
  step();
  return true;
}

ErrorManager* init_errors(ErrorManager& e) {
  jpeg_std_error(&e.mgr);
  e.mgr.error_exit = on_error;
  e.mgr.emit_message = on_message;
  e.message[0] = '\0';
  return &e;
}

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

File open(const std::string& path, const char* mode) {
  File f(std::fopen(path.c_str(), mode), &std::fclose);
  TESSEL_CHECK(f != nullptr, "jpeg: cannot open ", path, ": ", std::strerror(errno));
  return f;
}

struct Decompress {
  jpeg_decompress_struct cinfo{};
  ErrorManager errors;
  ~Decompress() { jpeg_destroy_decompress(&cinfo); }  // a no-op before jpeg_create_decompress
};

struct Compress {
  jpeg_compress_struct cinfo{};
  ErrorManager errors;
  ~Compress() { jpeg_destroy_compress(&cinfo); }
};

}  // namespace

bool is_jpeg(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"), &std::fclose);
  unsigned char head[3] = {};
  return f && std::fread(head, 1, 3, f.get()) == 3 && head[0] == 0xff && head[1] == 0xd8 &&
         head[2] == 0xff;
}

Image read(const std::string& path) {
  File file = open(path, "rb");
  Decompress d;
  jpeg_decompress_struct* c = &d.cinfo;
  c->err = &init_errors(d.errors)->mgr;
  auto fail = [&] {
    TESSEL_CHECK(std::string_view(d.errors.message).find("Backing store") == std::string_view::npos,
                 "jpeg: ", path, ": a progressive ", c->image_width, " x ", c->image_height,
                 " image needs more coefficient memory than a file of its size could fill (limit ",
                 c->mem->max_memory_to_use, " bytes): truncated or crafted file");
    TESSEL_FAIL("jpeg: ", path, ": ", d.errors.message);
  };
  if (!guarded(d.errors, [&] {
        jpeg_create_decompress(c);
        jpeg_stdio_src(c, file.get());
        jpeg_read_header(c, TRUE);
      }))
    fail();
  check_declared_size("jpeg", path, c->image_width, c->image_height);
  // A progressive file is decoded into a coefficient buffer of the whole image, allocated and
  // zeroed before any scan is read: 128 bytes per 8x8 block. Each block costs a real file at
  // least one bit (its DC code), so a file can use at most 1024 times its size there; a
  // few-hundred-byte file declaring 16384 x 16384 would otherwise take 1.6 GB. Past the bound,
  // libjpeg stops with "backing store not supported", reported below.
  struct stat st;
  TESSEL_CHECK(::fstat(::fileno(file.get()), &st) == 0, "jpeg: ", path,
               ": cannot stat: ", std::strerror(errno));
  c->mem->max_memory_to_use = std::max<long>(kCoefficientFloor, 2048 * long(st.st_size));

  const bool grey = c->jpeg_color_space == JCS_GRAYSCALE;
  const bool cmyk = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
  if (!guarded(d.errors, [&] {
        c->out_color_space = grey ? JCS_GRAYSCALE : (cmyk ? JCS_CMYK : JCS_RGB);
        jpeg_start_decompress(c);
      }))
    fail();
  Image im{int64_t(c->output_height), int64_t(c->output_width), grey ? 1 : 3, 8, {}};
  const size_t stored = size_t(c->output_components);
  TESSEL_CHECK(stored == (grey ? 1u : (cmyk ? 4u : 3u)), "jpeg: ", path, ": libjpeg gives ", stored,
               " components");
  const size_t row = checked_mul(size_t(im.width), stored, path, "row size");
  const size_t out_row = checked_mul(size_t(im.width), size_t(im.channels), path, "row size");
  // Rows are appended as they decode: capacity is reserved but untouched, so a file whose data
  // ends early costs the rows it had, not its declared size.
  reserve_pixels(im.bytes, checked_mul(out_row, size_t(im.height), path, "image size"), false,
                 path);
  std::vector<uint8_t> cmyk_row(cmyk ? row : 0);
  for (int64_t y = 0; y < im.height; ++y) {
    im.bytes.resize(im.bytes.size() + out_row);
    JSAMPROW dst = cmyk ? cmyk_row.data() : im.bytes.data() + size_t(y) * out_row;
    if (!guarded(d.errors, [&] { jpeg_read_scanlines(c, &dst, 1); })) fail();
    if (cmyk) {  // Adobe's inverted CMYK, as Photoshop writes it: R = C * K / 255, ...
      uint8_t* out = im.bytes.data() + size_t(y) * out_row;
      for (int64_t x = 0; x < im.width; ++x)
        for (int ch = 0; ch < 3; ++ch)
          out[3 * x + ch] = uint8_t((cmyk_row[4 * x + ch] * cmyk_row[4 * x + 3] + 127) / 255);
    }
  }
  if (!guarded(d.errors, [&] { jpeg_finish_decompress(c); })) fail();
  return im;
}

void write(const std::string& path, const Image& im, int quality) {
  TESSEL_CHECK(im.bits == 8, "jpeg: ", path, ": JPEG holds 8-bit samples, got ", im.bits);
  TESSEL_CHECK(im.channels == 1 || im.channels == 3 || im.channels == 4, "jpeg: ", path, ": ",
               im.channels, " channels, expected 1, 3 or 4");
  TESSEL_CHECK(im.width >= 1 && im.height >= 1 && im.width <= 65535 && im.height <= 65535,
               "jpeg: ", path, ": ", im.height, "x", im.width, " does not fit in a JPEG");
  File file = open(path, "wb");
  Compress w;
  jpeg_compress_struct* c = &w.cinfo;
  c->err = &init_errors(w.errors)->mgr;
  const bool grey = im.channels == 1;
  std::vector<uint8_t> rgb(im.channels == 4 ? size_t(im.width) * 3 : 0);  // alpha dropped
  auto fail = [&] { TESSEL_FAIL("jpeg: cannot write ", path, ": ", w.errors.message); };
  if (!guarded(w.errors, [&] {
        jpeg_create_compress(c);
        jpeg_stdio_dest(c, file.get());
        c->image_width = JDIMENSION(im.width);
        c->image_height = JDIMENSION(im.height);
        c->input_components = grey ? 1 : 3;
        c->in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
        jpeg_set_defaults(c);
        jpeg_set_quality(c, quality, TRUE);
        if (quality > 90 && !grey)
          c->comp_info[0].h_samp_factor = c->comp_info[0].v_samp_factor = 1;
        jpeg_start_compress(c, TRUE);
      }))
    fail();
  for (int64_t y = 0; y < im.height; ++y) {
    const uint8_t* src = im.bytes.data() + size_t(y * im.width * im.channels);
    if (im.channels == 4) {
      for (int64_t x = 0; x < im.width; ++x) std::memcpy(&rgb[size_t(3 * x)], src + 4 * x, 3);
      src = rgb.data();
    }
    JSAMPROW row = const_cast<JSAMPROW>(src);
    if (!guarded(w.errors, [&] { jpeg_write_scanlines(c, &row, 1); })) fail();
  }
  if (!guarded(w.errors, [&] { jpeg_finish_compress(c); })) fail();
  TESSEL_CHECK(std::fflush(file.get()) == 0 && !std::ferror(file.get()), "jpeg: cannot write ",
               path, ": ", std::strerror(errno));
}

}  // namespace tessel::data::jpeg
