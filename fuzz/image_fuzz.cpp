// Images as the loader decodes them: PNG through libpng, JPEG through libjpeg-turbo, anything else
// refused. A decoded image must be as big as it says.
#include "data/image_io.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/small_decode_limits.h"

TESSEL_FUZZ_TARGET(image) {
  tessel::fuzz::SmallDecodeLimits limits;
  const std::string path = tessel::fuzz::write_input("image", input);
  tessel::fuzz::expect_clean(path, [&] {
    const tessel::data::Image image = tessel::data::read_image(path);
    const size_t expected = size_t(image.height * image.width * image.channels * (image.bits / 8));
    if (image.height <= 0 || image.width <= 0 || image.bytes.size() != expected) std::abort();
  });
}
