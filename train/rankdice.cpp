#include "train/rankdice.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "core/error.h"

namespace tessel::train {

namespace {

// A distribution over the counts low, low + 1, ..., low + p.size() - 1.
struct Pmf {
  int64_t low = 0;
  std::vector<double> p;
};

// The Poisson-binomial distribution of the number of successes, by adding one trial at a time.
Pmf exact_pmf(const std::vector<double>& probs) {
  Pmf g{0, std::vector<double>(probs.size() + 1, 0.0)};
  g.p[0] = 1;
  for (size_t n = 0; n < probs.size(); ++n) {
    const double q = probs[n];
    for (size_t l = n + 1; l > 0; --l) g.p[l] = g.p[l] * (1 - q) + g.p[l - 1] * q;
    g.p[0] *= 1 - q;
  }
  return g;
}

// The distribution of the count without one trial of probability q (g = that * Bernoulli(q)).
// The recursion runs from the end where it divides by the larger of q and 1 - q, which keeps its
// rounding errors from growing.
std::vector<double> without_trial(const std::vector<double>& g, double q) {
  const size_t n = g.size() - 1;
  std::vector<double> r(n, 0.0);
  if (q <= 0.5) {
    for (size_t l = 0; l < n; ++l) r[l] = (g[l] - (l > 0 ? q * r[l - 1] : 0.0)) / (1 - q);
  } else {
    for (size_t l = n; l-- > 0;) r[l] = (g[l + 1] - (l + 1 < n ? (1 - q) * r[l + 1] : 0.0)) / q;
  }
  for (double& v : r) v = std::max(v, 0.0);
  return r;
}

// The refined normal approximation of the Poisson-binomial count: its CDF is
// Phi(z) + skew (1 - z^2) phi(z) / 6 at z = (x + 0.5 - mean) / sd, on mean +- 6 sd.
Pmf refined_normal_pmf(const std::vector<double>& probs) {
  double mean = 0, var = 0, third = 0;
  for (double q : probs) {
    mean += q;
    var += q * (1 - q);
    third += q * (1 - q) * (1 - 2 * q);
  }
  const auto d = int64_t(probs.size());
  if (var < 1e-12) return {std::llround(mean), {1.0}};  // every pixel is certain
  const double sd = std::sqrt(var), skew = third / (var * sd);
  const int64_t low = std::max<int64_t>(0, int64_t(std::floor(mean - 6 * sd)));
  const int64_t high = std::min<int64_t>(d, int64_t(std::ceil(mean + 6 * sd)));
  auto cdf = [&](double x) {
    const double z = (x + 0.5 - mean) / sd;
    return 0.5 * std::erfc(-z / std::numbers::sqrt2) +
           skew * (1 - z * z) * std::exp(-0.5 * z * z) / (6 * std::sqrt(2 * std::numbers::pi));
  };
  Pmf g{low, {}};
  double total = 0;
  for (int64_t l = low; l <= high; ++l) {
    g.p.push_back(std::clamp(cdf(double(l)) - cdf(double(l - 1)), 0.0, 1.0));
    total += g.p.back();
  }
  for (double& v : g.p) v /= total;
  return g;
}

// sum_l w[l] / (offset + low + l), where a zero denominator (an empty prediction of an empty
// truth without smoothing) scores 0.
double expected_inverse(const std::vector<double>& w, int64_t low, double offset) {
  double s = 0;
  for (size_t l = 0; l < w.size(); ++l) {
    const double denominator = offset + double(low) + double(l);
    if (denominator > 0) s += w[l] / denominator;
  }
  return s;
}

}  // namespace

std::vector<uint8_t> rankdice(const std::vector<double>& probs, const RankDiceOptions& o) {
  TESSEL_CHECK(o.smooth >= 0, "rankdice: smooth must be >= 0, got ", o.smooth);
  for (double q : probs)
    TESSEL_CHECK(q >= 0 && q <= 1, "rankdice: probabilities must lie in [0, 1], got ", q);
  const auto d = int64_t(probs.size());
  std::vector<int64_t> order(probs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return probs[size_t(a)] > probs[size_t(b)]; });
  std::vector<double> sorted(probs.size());
  for (size_t i = 0; i < order.size(); ++i) sorted[i] = probs[size_t(order[i])];

  const bool exact = d <= o.exact_limit;
  const Pmf g = exact ? exact_pmf(sorted) : refined_normal_pmf(sorted);
  // weights[l] = sum_{j<=k} p_j P(G_-j = low + l), built up one pixel at a time (G_-j over the
  // counts of G, which include one more at the top).
  std::vector<double> weights(g.p.size(), 0.0);
  double top_mass = 0;  // sum_{j<=k} p_j
  double best = o.smooth * expected_inverse(g.p, g.low, o.smooth);
  int64_t best_k = 0;
  for (int64_t k = 1; k <= d; ++k) {
    const double q = sorted[size_t(k - 1)];
    top_mass += q;
    if (exact) {
      const std::vector<double> rest = without_trial(g.p, q);
      for (size_t l = 0; l < rest.size(); ++l) weights[l] += q * rest[l];
    }
    const double overlap = exact
                               ? expected_inverse(weights, g.low, double(k + 1) + o.smooth)
                               : top_mass * expected_inverse(g.p, g.low, double(k + 1) + o.smooth);
    const double score =
        2 * overlap + o.smooth * expected_inverse(g.p, g.low, double(k) + o.smooth);
    if (score > best) {
      best = score;
      best_k = k;
    }
  }
  std::vector<uint8_t> mask(probs.size(), 0);
  for (int64_t i = 0; i < best_k; ++i) mask[size_t(order[size_t(i)])] = 1;
  return mask;
}

Tensor rankdice_labels(const Tensor& probs, const RankDiceOptions& o) {
  TESSEL_CHECK(probs.dim() == 4, "rankdice_labels: probabilities must be [N, C, H, W], got ",
               shape_str(probs.sizes()));
  const int64_t maps = probs.size(0) * probs.size(1), pixels = probs.size(2) * probs.size(3);
  const std::vector<double> all = probs.contiguous().to_vector<double>();
  std::vector<uint8_t> labels;
  labels.reserve(all.size());
  for (int64_t m = 0; m < maps; ++m) {
    const auto first = all.begin() + m * pixels;
    const std::vector<uint8_t> mask = rankdice({first, first + pixels}, o);
    labels.insert(labels.end(), mask.begin(), mask.end());
  }
  return from_vector(labels, probs.sizes(), DType::U8);
}

}  // namespace tessel::train
