// How a CUDA kernel cuts rows into pieces so that few long rows still fill the GPU: a whole-tensor
// sum, the per-class sums of a loss, batch norm's per-channel statistics. Each of `rows` rows of
// `len` elements is cut into `parts` pieces of `piece` elements (the last may be shorter); a
// worker (a warp or a block) takes a piece, and a second pass combines each row's partials in a
// fixed order, so results stay deterministic. The cut depends on the shape alone, so every GPU
// gives the same bits; it is host code, tested without a GPU.
#pragma once

#include <cstdint>

namespace tessel::kernels {

struct RowSplit {
  int64_t parts = 1;
  int64_t piece = 0;
  // constexpr: device code calls them too (--expt-relaxed-constexpr).
  constexpr int64_t begin(int64_t part) const { return part * piece; }
  constexpr int64_t end(int64_t part, int64_t len) const {
    return begin(part) + piece < len ? begin(part) + piece : len;
  }
};

// About `workers` pieces in all, none under `min_piece` elements, pieces a multiple of `align`;
// rows that alone give `workers` workers, or are no longer than `min_piece`, stay whole.
constexpr RowSplit split_rows(int64_t rows, int64_t len, int64_t workers, int64_t min_piece,
                              int64_t align) {
  if (rows >= workers || len <= min_piece) return {1, len};
  int64_t parts = (workers + rows - 1) / rows;
  int64_t most = len / min_piece;  // at least 1: len > min_piece
  if (parts > most) parts = most;
  int64_t piece = (len + parts - 1) / parts;
  piece = (piece + align - 1) / align * align;
  return {(len + piece - 1) / piece, piece};
}

}  // namespace tessel::kernels
