#include "data/normalize.h"

#include <cstring>

#include "data/pixels.h"

namespace tessel::data {

void normalize_into(const Image& img, const Normalize& n, float* chw) {
  auto fits = [&](const std::vector<double>& v) {
    return v.size() == 1 || int64_t(v.size()) == img.channels;
  };
  TESSEL_CHECK(fits(n.mean) && fits(n.std), "normalize: ", n.mean.size(), " means and ",
               n.std.size(), " stds for an image of ", img.channels,
               " channels; give one value or one per channel");
  int64_t hw = img.pixels(), c = img.channels;
  for (int64_t ch = 0; ch < c; ++ch) {
    auto pick = [&](const std::vector<double>& v) { return v[v.size() == 1 ? 0 : size_t(ch)]; };
    float mean = float(pick(n.mean)), scale = float(1.0 / pick(n.std));
    float* out = chw + ch * hw;
    with_samples(img, [&](const auto* px) {
      for (int64_t i = 0; i < hw; ++i) out[i] = (float(px[i * c + ch]) - mean) * scale;
    });
  }
}

std::pair<Tensor, Tensor> to_tensors(const Sample& s, const Normalize& n, DType mask_dtype) {
  Tensor image = empty({s.image.channels, s.image.height, s.image.width});
  normalize_into(s.image, n, image.data<float>());
  Tensor mask = empty({s.mask.height, s.mask.width}, DType::U8);
  std::memcpy(mask.data_ptr(), s.mask.labels.data(), s.mask.labels.size());
  return {image, mask_dtype == DType::U8 ? mask : mask.to(mask_dtype)};
}

}  // namespace tessel::data
