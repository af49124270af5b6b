// Label maps for the evaluation tests (confusion matrix, boundary IoU): imbalanced, blocky, with
// ignored pixels, in any label dtype.
#pragma once

#include <random>

#include "engine/ops.h"

namespace tessel::testing {

// Labels of `shape` [N, H, W] constant over cells of `cell` x `cell` pixels (1: per pixel), half of
// the cells class 0 as segmentation data is imbalanced, and a fraction `ignored` of the pixels
// ignore_index.
inline Tensor random_labels(const Shape& shape, int64_t c, DType t, uint64_t seed, int64_t cell = 1,
                            double ignored = 0, int64_t ignore_index = 255) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  int64_t h = shape[1], w = shape[2], ch = (h + cell - 1) / cell, cw = (w + cell - 1) / cell;
  std::vector<int64_t> cells(size_t(shape[0] * ch * cw));
  for (auto& v : cells) v = u(rng) < 0.5 ? 0 : int64_t(u(rng) * double(c)) % c;
  std::vector<int64_t> v(size_t(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t b = int64_t(i) / (h * w), y = int64_t(i) / w % h, x = int64_t(i) % w;
    v[i] = u(rng) < ignored ? ignore_index : cells[size_t((b * ch + y / cell) * cw + x / cell)];
  }
  return from_vector(v, shape, {t});
}

}  // namespace tessel::testing
