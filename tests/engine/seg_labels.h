// Label maps and one-hot references shared by the Dice, edge and Dice + CE + edge tests.
#pragma once

#include <tuple>
#include <vector>

#include "engine/ops.h"

namespace tessel::testing {

// i64 labels of `shape` (its last two dims the image): blocks of 3 x 4 pixels of one class, the
// class k drawn with weight 1 / (k + 1)^2 (imbalanced: the last classes are rare), then a
// fraction `ignored` of the pixels set to 255.
inline Tensor seg_labels(const Shape& shape, int64_t classes, uint64_t seed, double ignored) {
  Generator g(seed);
  int64_t h = shape[shape.size() - 2], w = shape.back(), planes = shape_numel(shape) / (h * w);
  std::vector<double> u = rand({planes, h, w}, {DType::F64}, &g).to_vector<double>();
  std::vector<double> v = rand({planes, h, w}, {DType::F64}, &g).to_vector<double>();
  double total = 0;
  for (int64_t k = 0; k < classes; ++k) total += 1.0 / double((k + 1) * (k + 1));
  std::vector<int64_t> out(u.size());
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        size_t at = size_t((p * h + i) * w + j),
               block = size_t((p * h + i / 3 * 3) * w + j / 4 * 4);
        double r = u[block] * total;
        int64_t k = 0;
        while (k + 1 < classes && (r -= 1.0 / double((k + 1) * (k + 1))) > 0) ++k;
        out[at] = v[at] < ignored ? 255 : k;
      }
  return from_vector(out, shape, DType::I64);
}

// [N, C, H, W] one-hot of labels, 0 at ignored pixels, and the [N, 1, H, W] mask of valid ones.
inline std::pair<Tensor, Tensor> one_hot(const Tensor& labels, int64_t classes, int64_t ignore) {
  Tensor y = labels.to(DType::F64).unsqueeze(1);
  Tensor valid = ne(y, scalar_tensor(double(ignore), DType::F64)).to(DType::F64);
  Tensor ids = arange(0, double(classes), 1, DType::F64).reshape({1, classes, 1, 1});
  return {eq(y, ids).to(DType::F64) * valid, valid};
}

// Per class: sum p * onehot, sum p, sum onehot over the valid pixels, p = softmax(logits).
inline std::tuple<std::vector<double>, std::vector<double>, std::vector<double>> one_hot_sums(
    const Tensor& logits, const Tensor& labels, int64_t ignore) {
  auto [oh, valid] = one_hot(labels, logits.size(1), ignore);
  Tensor p = softmax(logits.detach().to(DType::F64), 1) * valid;
  return {sum(p * oh, {0, 2, 3}).to_vector<double>(), sum(p, {0, 2, 3}).to_vector<double>(),
          sum(oh, {0, 2, 3}).to_vector<double>()};
}

}  // namespace tessel::testing
