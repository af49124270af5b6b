// The direct convolution of conv_direct.h. Both the forward and the input gradient are one
// "forward-shaped" pass over a zero-bordered input (the input gradient is the convolution of dy
// with the flipped, transposed kernel), whose register tile is OB output channels x WB vectors of
// output columns: per input channel and tap, WB loads, OB broadcasts and OB x WB fused
// multiply-adds. The weight gradient keeps OB output channels x the 3 column taps of one kernel
// row in registers, summed over every (sample, row) in a fixed order, so it does not depend on
// the thread count.
#include "kernels/cpu/conv_direct.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/env.h"
#include "core/error.h"
#include "kernels/cpu/parallel.h"

#if defined(__x86_64__)
#define TESSEL_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))
#else
#define TESSEL_AVX512
#endif
#define TESSEL_INLINE [[gnu::always_inline]] inline

namespace tessel::kernels {
namespace {

template <int N>
struct Lanes {
  typedef float type __attribute__((vector_size(N * sizeof(float))));
};

// Output channels per register tile: 8 x WB 16-float accumulators fill at most 24 of AVX-512's
// 32 registers; with 16 8-float registers, 4 x 3 (or 8 x 1) accumulators leave room for the loads
// and the broadcast.
constexpr int block_of(int lanes, int wb) {
  return lanes == 16 || wb == 1 ? 8 : 4;
}

int64_t round_up(int64_t v, int64_t m) {
  return (v + m - 1) / m * m;
}

// [groups, planes, h, w] copied to [groups, planes_out, hp, wp] with each map at (top, left) and
// zeros everywhere else (planes_out >= planes: the planes past `planes` are all zero).
struct Bordered {
  std::unique_ptr<float[]> data;
  int64_t hp = 0, wp = 0;
  int64_t plane() const { return hp * wp; }
};

Bordered border(const float* src, int64_t groups, int64_t planes, int64_t planes_out, int64_t h,
                int64_t w, int64_t top, int64_t left, int64_t hp, int64_t wp) {
  Bordered b{std::make_unique_for_overwrite<float[]>(size_t(groups * planes_out * hp * wp)), hp,
             wp};
  parallel_for(groups * planes_out, std::max<int64_t>(1, kGrain / (hp * wp)),
               [&](int64_t p0, int64_t p1) {
                 for (int64_t p = p0; p < p1; ++p) {
                   float* dst = b.data.get() + p * hp * wp;
                   int64_t g = p / planes_out, k = p % planes_out;
                   if (k >= planes) {
                     std::fill(dst, dst + hp * wp, 0.f);
                     continue;
                   }
                   const float* s = src + (g * planes + k) * h * w;
                   std::fill(dst, dst + top * wp, 0.f);
                   for (int64_t r = 0; r < h; ++r) {
                     float* row = dst + (top + r) * wp;
                     std::fill(row, row + left, 0.f);
                     std::copy(s + r * w, s + (r + 1) * w, row + left);
                     std::fill(row + left + w, row + wp, 0.f);
                   }
                   std::fill(dst + (top + h) * wp, dst + hp * wp, 0.f);
                 }
               });
  return b;
}

// y[n, o, oy, ox] = bias[o] + sum over (c, i, j) of x[n, c, oy + i dh, ox + j dw] w[o, c, i, j],
// x zero-bordered and the kernel packed as [o / OB, c, 9, OB].
struct Pass {
  int64_t n, c, o, oh, ow, dh, dw;
  const Bordered* x;
  const float* w;
  const float* bias;
  float* y;
};

template <int N, int OB, int WB>
TESSEL_INLINE void forward_row(const Pass& p, const float* x, const float* w, const float* bias,
                               float* y, int64_t valid) {
  using V = typename Lanes<N>::type;
  constexpr int64_t kTile = int64_t(N) * WB;
  const int64_t plane = p.x->plane(), wp = p.x->wp, oplane = p.oh * p.ow;
  for (int64_t ox = 0; ox < p.ow; ox += kTile) {
    V acc[OB][WB];
#pragma GCC unroll 8
    for (int k = 0; k < OB; ++k) {
      float b0 = bias && k < valid ? bias[k] : 0.f;
#pragma GCC unroll 4
      for (int b = 0; b < WB; ++b) acc[k][b] = V{} + b0;
    }
    for (int64_t ci = 0; ci < p.c; ++ci) {
      const float* xc = x + ci * plane + ox;
      const float* wc = w + ci * 9 * OB;
#pragma GCC unroll 3
      for (int i = 0; i < 3; ++i)
#pragma GCC unroll 3
        for (int j = 0; j < 3; ++j) {
          const float* src = xc + i * p.dh * wp + j * p.dw;
          const float* wt = wc + (i * 3 + j) * OB;
          V xv[WB];
#pragma GCC unroll 4
          for (int b = 0; b < WB; ++b) std::memcpy(&xv[b], src + b * N, sizeof(V));
#pragma GCC unroll 8
          for (int k = 0; k < OB; ++k)
#pragma GCC unroll 4
            for (int b = 0; b < WB; ++b) acc[k][b] += xv[b] * wt[k];
        }
    }
    const int64_t cols = std::min(kTile, p.ow - ox);
#pragma GCC unroll 8
    for (int k = 0; k < OB; ++k) {
      if (k >= valid) break;
      float* dst = y + k * oplane + ox;
      if (cols == kTile) {
        std::memcpy(dst, acc[k], sizeof(acc[k]));
      } else {
        float tail[kTile];
        std::memcpy(tail, acc[k], sizeof(tail));
        std::memcpy(dst, tail, size_t(cols) * sizeof(float));
      }
    }
  }
}

// Tasks [t0, t1) of (sample, channel block, output row), in that order.
template <int N, int OB, int WB>
TESSEL_INLINE void forward_tasks(const Pass& p, int64_t t0, int64_t t1) {
  const int64_t blocks = (p.o + OB - 1) / OB;
  for (int64_t t = t0; t < t1; ++t) {
    int64_t oy = t % p.oh, ob = t / p.oh % blocks, n = t / (p.oh * blocks);
    const float* x = p.x->data.get() + n * p.c * p.x->plane() + oy * p.x->wp;
    float* y = p.y + ((n * p.o + ob * OB) * p.oh + oy) * p.ow;
    forward_row<N, OB, WB>(p, x, p.w + ob * p.c * 9 * OB, p.bias ? p.bias + ob * OB : nullptr, y,
                           std::min<int64_t>(OB, p.o - ob * OB));
  }
}

TESSEL_AVX512 void forward_tasks16(const Pass& p, int wb, int64_t t0, int64_t t1) {
  if (wb == 1) forward_tasks<16, block_of(16, 1), 1>(p, t0, t1);
  if (wb == 2) forward_tasks<16, block_of(16, 2), 2>(p, t0, t1);
  if (wb == 3) forward_tasks<16, block_of(16, 3), 3>(p, t0, t1);
}

void forward_tasks8(const Pass& p, int wb, int64_t t0, int64_t t1) {
  if (wb == 1) forward_tasks<8, block_of(8, 1), 1>(p, t0, t1);
  if (wb == 2) forward_tasks<8, block_of(8, 2), 2>(p, t0, t1);
  if (wb == 3) forward_tasks<8, block_of(8, 3), 3>(p, t0, t1);
}

// The vectors per tile (1-3) that compute the fewest columns past the row's end, the widest of
// those: 96 columns take two tiles of 3 16-float vectors, 24 columns one tile of 2.
int tile_vectors(int64_t ow, int lanes) {
  int best = 3;
  for (int wb = 2; wb >= 1; --wb)
    if (round_up(ow, int64_t(lanes) * wb) < round_up(ow, int64_t(lanes) * best)) best = wb;
  return best;
}

// The forward-shaped pass: x [n, c, ih, iw] bordered by `pad` (symmetric) for a 3x3 kernel at
// stride 1, so oh = ih + 2 pad_h - 2 dh. `weight(o, c, tap)` reads the kernel in the pass's terms.
template <typename Weight>
void run_forward(int64_t n, int64_t c, int64_t o, int64_t ih, int64_t iw, int64_t pad_h,
                 int64_t pad_w, int64_t dh, int64_t dw, const float* x, const Weight& weight,
                 const float* bias, float* y, int lanes) {
  const int64_t oh = ih + 2 * pad_h - 2 * dh, ow = iw + 2 * pad_w - 2 * dw;
  const int wb = tile_vectors(ow, lanes), ob = block_of(lanes, wb);
  const int64_t blocks = (o + ob - 1) / ob;
  auto packed = std::make_unique<float[]>(size_t(blocks * c * 9 * ob));
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int tap = 0; tap < 9; ++tap)
        for (int k = 0; k < ob; ++k)
          if (b * ob + k < o)
            packed[size_t(((b * c + ci) * 9 + tap) * ob + k)] = weight(b * ob + k, ci, tap);
  Bordered xb = border(x, n, c, c, ih, iw, pad_h, pad_w, ih + 2 * pad_h,
                       round_up(ow, int64_t(lanes) * wb) + 2 * dw);
  Pass p{n, c, o, oh, ow, dh, dw, &xb, packed.get(), bias, y};
  // A task is one output row of one channel block: ow * ob * c * 18 flops.
  int64_t grain = std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(1, ow * ob * c * 18));
  parallel_for(n * blocks * oh, grain, [&](int64_t t0, int64_t t1) {
    if (lanes == 16)
      forward_tasks16(p, wb, t0, t1);
    else
      forward_tasks8(p, wb, t0, t1);
  });
}

// The weight gradient's partial sums: for task (channel block, input channel ci, kernel row i),
// acc[k][j] += dy[n, block + k, oy, :] * x[n, ci, oy + i dh, j dw + :] over a band of rows
// (n, oy) of the batch, vectors over the (zero-padded) columns.
struct WeightPass {
  int64_t n, c, blocks, oh, dh, dw;
  const Bordered* x;
  const Bordered* dy;  // [n, blocks * OB, oh, owp]
  float* sums;         // per task: [OB][3][N]
};

template <int N, int OB>
TESSEL_INLINE void weight_rows(const WeightPass& p, int64_t t, int64_t r0, int64_t r1) {
  using V = typename Lanes<N>::type;
  const int64_t i = t % 3, ci = t / 3 % p.c, ob = t / (3 * p.c);
  const int64_t wp = p.x->wp, owp = p.dy->wp, dplane = p.dy->plane();
  float* sums = p.sums + t * OB * 3 * N;
  V acc[OB][3];
  std::memcpy(acc, sums, sizeof(acc));
  // (n, oy) walk forward from r0's without a division per row: on 12- to 24-wide maps a row is
  // one or two vector steps, and two 64-bit divisions cost as much.
  for (int64_t r = r0, n = r0 / p.oh, oy = r0 % p.oh; r < r1; ++r, ++oy) {
    if (oy == p.oh) oy = 0, ++n;
    const float* x = p.x->data.get() + (n * p.c + ci) * p.x->plane() + (oy + i * p.dh) * wp;
    const float* dy = p.dy->data.get() + (n * p.blocks + ob) * OB * dplane + oy * owp;
    for (int64_t ox = 0; ox < owp; ox += N) {
      V xv[3];
#pragma GCC unroll 3
      for (int j = 0; j < 3; ++j) std::memcpy(&xv[j], x + ox + j * p.dw, sizeof(V));
#pragma GCC unroll 8
      for (int k = 0; k < OB; ++k) {
        V d;
        std::memcpy(&d, dy + k * dplane + ox, sizeof(V));
#if defined(__x86_64__)
        // Left alone, GCC folds this load into each of the three multiply-adds, and the loop
        // then waits on the load ports (27 loads per 24 multiply-adds instead of 11).
        asm("" : "+v"(d));
#endif
#pragma GCC unroll 3
        for (int j = 0; j < 3; ++j) acc[k][j] += d * xv[j];
      }
    }
  }
  std::memcpy(sums, acc, sizeof(acc));
}

// Tasks [t0, t1) of (channel block, input channel, kernel row) over the batch's rows (n, oy) in
// bands: a band of one channel block's dy (24 KB) stays in the first-level cache across the
// tasks of that block, and the partial sums (o c 9 vectors) are walked once per band.
template <int N, int OB>
TESSEL_INLINE void weight_tasks(const WeightPass& p, int64_t t0, int64_t t1) {
  const int64_t rows = p.n * p.oh;
  const int64_t band = std::clamp<int64_t>(6144 / (OB * p.dy->wp), 1, rows);
  for (int64_t r0 = 0; r0 < rows; r0 += band)
    for (int64_t t = t0; t < t1; ++t) weight_rows<N, OB>(p, t, r0, std::min(rows, r0 + band));
}

TESSEL_AVX512 void weight_tasks16(const WeightPass& p, int64_t t0, int64_t t1) {
  weight_tasks<16, 8>(p, t0, t1);
}

void weight_tasks8(const WeightPass& p, int64_t t0, int64_t t1) {
  weight_tasks<8, 4>(p, t0, t1);
}

int lanes_or_default(int width) {
  TESSEL_CHECK(
      width == 0 || width == 8 || width == 16,
      "conv2d (CPU): direct kernels have 8- or 16-float vectors, not " + std::to_string(width));
  return width ? width : conv_direct_vector_width();
}

}  // namespace

int conv_direct_vector_width() {
  static const int width = [] {
    bool avx512 = false;
#if defined(__x86_64__)
    __builtin_cpu_init();
    avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
    const char* isa = std::getenv("TESSEL_CPU_ISA");
    if (!isa || !*isa) return avx512 ? 16 : 8;
    std::string_view v(isa);
    TESSEL_CHECK(v == "x86-64-v3" || v == "x86-64-v4",
                 "TESSEL_CPU_ISA=" + std::string(v) + ": expected x86-64-v3 or x86-64-v4");
    TESSEL_CHECK(v == "x86-64-v3" || avx512,
                 "TESSEL_CPU_ISA=x86-64-v4: this CPU has no AVX-512 (F, VL, BW, DQ)");
    return v == "x86-64-v4" ? 16 : 8;
  }();
  return width;
}

namespace {

// TESSEL_CONV_DIRECT=0 sends every convolution through im2col + GEMM (for comparisons).
bool direct_enabled() {
  static const bool enabled = env_flag("TESSEL_CONV_DIRECT", true);
  return enabled;
}

bool computes(const ConvShape& s) {
  return direct_enabled() && s.groups == 1 && s.kh == 3 && s.kw == 3 && s.stride_h == 1 &&
         s.stride_w == 1 && s.pad_h <= 2 * s.dil_h && s.pad_w <= 2 * s.dil_w &&
         s.oh == s.h + 2 * s.pad_h - 2 * s.dil_h && s.ow == s.w + 2 * s.pad_w - 2 * s.dil_w &&
         s.oh > 0 && s.ow >= 8;
}

}  // namespace

// The limits are where the direct passes stopped beating im2col + GEMM on both vector widths
// (bench/NOTES.md, 2026-12-07): at 128 channels on 12x12 maps the forward still gains 1.5x but
// the weight gradient's partial sums (o c 9 vectors) no longer stay in cache.
bool conv_direct_applies(const ConvShape& s) {
  return computes(s) && s.c <= 128 && s.o <= 128;
}

bool conv_direct_weight_applies(const ConvShape& s) {
  return computes(s) && s.c * s.o <= 64 * 64;
}

void conv_direct_forward(const ConvShape& s, float* y, const float* x, const float* w,
                         const float* bias, int width) {
  run_forward(
      s.n, s.c, s.o, s.h, s.w, s.pad_h, s.pad_w, s.dil_h, s.dil_w, x,
      [&](int64_t o, int64_t c, int tap) { return w[(o * s.c + c) * 9 + tap]; }, bias, y,
      lanes_or_default(width));
}

// dx = dy convolved with the kernel flipped and its channel axes swapped, dy bordered by the
// kernel's reach minus the forward's padding.
void conv_direct_backward_input(const ConvShape& s, float* dx, const float* dy, const float* w,
                                const float* bias, int width) {
  run_forward(
      s.n, s.o, s.c, s.oh, s.ow, 2 * s.dil_h - s.pad_h, 2 * s.dil_w - s.pad_w, s.dil_h, s.dil_w, dy,
      [&](int64_t c, int64_t o, int tap) { return w[(o * s.c + c) * 9 + 8 - tap]; }, bias, dx,
      lanes_or_default(width));
}

void conv_direct_backward_weight(const ConvShape& s, float* dw, const float* dy, const float* x,
                                 int width) {
  const int lanes = lanes_or_default(width), ob = lanes == 16 ? 8 : 4;
  const int64_t blocks = (s.o + ob - 1) / ob, owp = round_up(s.ow, lanes);
  Bordered xb =
      border(x, s.n, s.c, s.c, s.h, s.w, s.pad_h, s.pad_w, s.h + 2 * s.pad_h, owp + 2 * s.dil_w);
  Bordered db = border(dy, s.n, s.o, blocks * ob, s.oh, s.ow, 0, 0, s.oh, owp);
  const int64_t tasks = blocks * s.c * 3, per_task = ob * 3 * lanes;
  auto sums = std::make_unique<float[]>(size_t(tasks * per_task));
  WeightPass p{s.n, s.c, blocks, s.oh, s.dil_h, s.dil_w, &xb, &db, sums.get()};
  // One range of tasks per thread, each walking all the rows once.
  int64_t threads = std::max(1, omp_get_max_threads());
  parallel_for(tasks, (tasks + threads - 1) / threads, [&](int64_t t0, int64_t t1) {
    if (lanes == 16)
      weight_tasks16(p, t0, t1);
    else
      weight_tasks8(p, t0, t1);
  });
  for (int64_t o = 0; o < s.o; ++o)
    for (int64_t c = 0; c < s.c; ++c)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          const float* lane =
              sums.get() + ((o / ob * s.c + c) * 3 + i) * per_task + (o % ob * 3 + j) * lanes;
          float total = 0;
          for (int l = 0; l < lanes; ++l) total += lane[l];
          dw[((o * s.c + c) * 3 + i) * 3 + j] = total;
        }
}

}  // namespace tessel::kernels
