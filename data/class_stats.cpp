#include "data/class_stats.h"

#include <cmath>
#include <functional>
#include <numeric>

#include "core/error.h"

namespace tessel::data {

LabelHistogram label_histogram(const Mask& mask) {
  LabelHistogram h{};
  for (uint8_t l : mask.labels) ++h[l];
  return h;
}

void ClassStats::add(const LabelHistogram& histogram, int64_t ignore_index) {
  for (size_t v = 0; v < histogram.size(); ++v) {
    if (histogram[v] == 0) continue;
    if (v < pixels.size()) {
      pixels[v] += histogram[v];
      ++images[v];
    } else if (int64_t(v) == ignore_index) {
      ignored += histogram[v];
    } else {
      out_of_range += histogram[v];
    }
  }
}

int64_t ClassStats::labelled() const {
  return std::accumulate(pixels.begin(), pixels.end(), int64_t(0));
}

namespace {

// raw(count, total) for every present class, then scaled so the present classes average 1.
std::vector<double> normalised(const std::vector<int64_t>& counts,
                               const std::function<double(double count, double total)>& raw) {
  double total = 0, present = 0, sum = 0;
  for (int64_t c : counts) {
    TESSEL_CHECK(c >= 0, "class weights: negative count ", c);
    total += double(c);
    present += c > 0;
  }
  std::vector<double> w(counts.size(), 0.0);
  for (size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) sum += w[i] = raw(double(counts[i]), total);
  if (sum > 0)  // no class present: all weights stay 0 rather than 0 * (0 / 0)
    for (double& x : w) x *= present / sum;
  return w;
}

}  // namespace

std::vector<double> inverse_frequency_weights(const std::vector<int64_t>& counts) {
  return normalised(counts, [](double n, double total) { return total / n; });
}

std::vector<double> inverse_sqrt_weights(const std::vector<int64_t>& counts) {
  return normalised(counts, [](double n, double total) { return std::sqrt(total / n); });
}

std::vector<double> inverse_log_weights(const std::vector<int64_t>& counts, double c) {
  TESSEL_CHECK(c > 1, "inverse_log_weights: c = ", c, " must exceed 1 so that ln(c + f) > 0");
  return normalised(counts, [c](double n, double total) { return 1 / std::log(c + n / total); });
}

std::vector<double> effective_number_weights(const std::vector<int64_t>& counts, double beta) {
  TESSEL_CHECK(beta >= 0 && beta < 1, "effective_number_weights: beta = ", beta,
               " must be in [0, 1)");
  // 1 - beta^n through expm1: with beta near 1, 1 - pow(beta, n) loses the digits that tell
  // rare classes apart.
  return normalised(
      counts, [beta](double n, double) { return (1 - beta) / -std::expm1(n * std::log(beta)); });
}

}  // namespace tessel::data
