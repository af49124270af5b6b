// Counting kernels on the CPU (confusion matrix, boundary IoU): each chunk of items counts into its
// own int64 histogram, with no atomics and no sharing, and the histograms are added in chunk order
// once every chunk is done, so a failed check leaves the output untouched.
#pragma once

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/confusion.h"
#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

// count(i, hist) adds item i into hist, returning false for an out-of-range item. Adds the
// histograms into out[bins] and returns n, or returns the first out-of-range item having added
// nothing.
template <typename Count>
int64_t count_bins(int64_t* out, int64_t bins, int64_t n, const Count& count) {
  int64_t chunks = std::clamp<int64_t>(n / kGrain, 1, omp_get_max_threads());
  std::vector<int64_t> hist(size_t(chunks * bins), 0), first_bad(size_t(chunks), n);
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      for (int64_t i = n * k / chunks; i < n * (k + 1) / chunks; ++i)
        if (!count(i, hist.data() + k * bins) && first_bad[size_t(k)] == n)
          first_bad[size_t(k)] = i;
  });
  int64_t bad = *std::min_element(first_bad.begin(), first_bad.end());
  if (bad < n) return bad;
  for (int64_t k = 0; k < chunks; ++k)
    for (int64_t j = 0; j < bins; ++j) out[j] += hist[size_t(k * bins + j)];
  return n;
}

// The error for pixel i, which has an out-of-range target or (integer) predicted label.
template <typename P, typename T>
[[noreturn]] void fail_label(const char* op, const P* pred, const T* target, int64_t i, int64_t c,
                             int64_t ignore_index) {
  if (target_class(target[i], c, ignore_index) == kOutOfRange)
    TESSEL_FAIL(op, ": target label ", int64_t(target[i]), " at pixel ", i, " is outside [0, ", c,
                ") and is not ignore_index ", ignore_index);
  TESSEL_FAIL(op, ": predicted label ", int64_t(pred[i]), " at pixel ", i, " is outside [0, ", c,
              ")");
}

}  // namespace tessel::kernels
