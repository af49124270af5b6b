// The RankDice decision rule: the segmentation that maximises the expected Dice score given
// per-pixel probabilities, rather than thresholding each pixel at 0.5.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace tessel::train {

// RankDice (Dai and Li, "RankSEG", arXiv:2206.13086, Algorithm 2, binary case): the mask that
// maximises the expected Dice (2|S n Y| + smooth) / (|S| + |Y| + smooth) when pixel j is
// foreground with probability p_j, independently (0/0 counts as 0). The optimum is the top k
// pixels by probability for some k (their Theorem), so the rule sorts the probabilities and scores
// every k:
//   E[Dice(top k)] = sum_{j<=k} 2 p_j E[1 / (k + 1 + G_-j + smooth)] + smooth E[1 / (k + G +
//   smooth)]
// where G counts the foreground pixels and G_-j those other than j (Poisson-binomial).
//  - Up to `exact_limit` pixels the distributions are exact (O(d^2)): G by dynamic programming,
//    each G_-j by dividing pixel j's Bernoulli out of it.
//  - Above, the paper's blind approximation (its default, app=2): G_-j is taken as G, whose
//    distribution is the refined normal approximation (normal CDF with a skewness term) on the
//    window mean +- 6 sd where its mass lies; O(d * window). Simplification: every k is scored
//    (the paper prunes k above a bound, and switches to the per-pixel approximation when the mean
//    is below 50).
struct RankDiceOptions {
  double smooth = 0.0;
  int64_t exact_limit = 4096;
};
// One map of probabilities (any order); 1 marks the chosen pixels.
std::vector<uint8_t> rankdice(const std::vector<double>& probs, const RankDiceOptions& o = {});
// Probabilities [N, C, H, W] (sigmoid outputs, or softmax ones class by class): u8 [N, C, H, W].
Tensor rankdice_labels(const Tensor& probs, const RankDiceOptions& o = {});

}  // namespace tessel::train
