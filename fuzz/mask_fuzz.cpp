// Label masks: grey and palette PNGs as stored indices, colour images through a class colour list
// (the VOC palette's first 21 colours, as a colour-coded dataset would pass).
#include "data/image_io.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/small_decode_limits.h"

TESSEL_FUZZ_TARGET(mask) {
  static const std::vector<tessel::data::Rgb> colours = tessel::data::voc_palette(21);
  tessel::fuzz::SmallDecodeLimits limits;
  const std::string path = tessel::fuzz::write_input("mask", input);
  tessel::fuzz::expect_clean(path, [&] {
    const tessel::data::Mask mask = tessel::data::read_mask(path, colours);
    if (mask.height <= 0 || mask.width <= 0 ||
        mask.labels.size() != size_t(mask.height * mask.width))
      std::abort();
  });
}
