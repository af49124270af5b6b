// im2col + GEMM, except where the direct 3x3 kernels of conv_direct.h are faster (f32, stride 1,
// up to 128 channels). Per sample and group, the convolution is one product
//   y_g[og, oh * ow] = w_g[og, cg * kh * kw] @ col[cg * kh * kw, oh * ow],
// its input gradient is col = w_g^T @ dy_g scattered back by col2im, and its weight gradient
// dw_g = sum over samples of dy_g @ col^T.
#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#include "kernels/conv.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/parallel.h"
#include "kernels/matmul.h"

namespace tessel::kernels {
namespace {

struct GroupSizes {
  int64_t cg, og, ckk, hw, ohw;
  explicit GroupSizes(const ConvShape& s)
      : cg(s.c / s.groups),
        og(s.o / s.groups),
        ckk(cg * s.kh * s.kw),
        hw(s.h * s.w),
        ohw(s.oh * s.ow) {}
};

// A 1x1, stride-1, unpadded convolution's column matrix is its input: no im2col needed.
bool col_is_input(const ConvShape& s) {
  return s.kh == 1 && s.kw == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 &&
         s.pad_w == 0;
}

// The first r in [0, run) whose input column (ox + r) * stride - pad + offset is at least `bound`,
// or `run`: the window positions of a run that lie left of the image or inside it.
inline int64_t first_at_or_past(int64_t bound, int64_t ox, int64_t stride, int64_t pad,
                                int64_t offset, int64_t run) {
  int64_t need = bound + pad - offset;  // (ox + r) * stride >= need
  int64_t first = need <= 0 ? 0 : (need + stride - 1) / stride;
  return std::clamp<int64_t>(first - ox, 0, run);
}

// Columns [t0, t1) of the [channels * kh * kw, oh * ow] column matrix, as a [rows, t1 - t0]
// block. Each row walks whole runs of one output row, and each run splits into the part left of
// the image, the part inside (a contiguous copy at stride 1, which vectorises) and the part right
// of it, so there is no bounds test per entry. col2im is the same walk with the copy reversed into
// an accumulation.
template <typename T, bool kAccumulate>
void column_walk(const ConvShape& s, int64_t channels, int64_t t0, int64_t t1,
                 std::conditional_t<kAccumulate, T*, const T*> x,
                 std::conditional_t<kAccumulate, const T*, T*> col) {
  int64_t width = t1 - t0, k = 0;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j, ++k) {
        int64_t t = t0;
        while (t < t1) {
          int64_t oy = t / s.ow, ox = t % s.ow, run = std::min(s.ow - ox, t1 - t);
          int64_t iy = oy * s.stride_h - s.pad_h + i * s.dil_h;
          auto* line = col + k * width + (t - t0);
          t += run;
          if (iy < 0 || iy >= s.h) {
            if constexpr (!kAccumulate) std::fill(line, line + run, T(0));
            continue;
          }
          auto* src = x + (c * s.h + iy) * s.w;
          const int64_t offset = j * s.dil_w, sw = s.stride_w;
          const int64_t lo = first_at_or_past(0, ox, sw, s.pad_w, offset, run);
          const int64_t hi = std::max(lo, first_at_or_past(s.w, ox, sw, s.pad_w, offset, run));
          const int64_t ix0 = ox * sw - s.pad_w + offset;  // the input column of r = 0
          if constexpr (kAccumulate) {
            if (sw == 1) {
              for (int64_t r = lo; r < hi; ++r) src[ix0 + r] += line[r];
            } else {
              for (int64_t r = lo; r < hi; ++r) src[ix0 + r * sw] += line[r];
            }
          } else {
            std::fill(line, line + lo, T(0));
            if (sw == 1)
              std::copy(src + ix0 + lo, src + ix0 + hi, line + lo);
            else
              for (int64_t r = lo; r < hi; ++r) line[r] = src[ix0 + r * sw];
            std::fill(line + hi, line + run, T(0));
          }
        }
      }
}

// A column block's buffer, left uninitialised: the walk or the product writes all of it, and
// zeroing 256 KiB per task and call showed as 6% of a small UNet's inference.
template <typename T>
std::unique_ptr<T[]> column_scratch(int64_t size) {
  return std::make_unique_for_overwrite<T[]>(size_t(size));
}

// Output columns per tile: a column block of about 256 KiB stays in cache between im2col and
// the product that reads it, and tiles give the threads work even for one sample.
template <typename T>
int64_t tile_width(const ConvShape& s, int64_t ckk) {
  int64_t t = std::max<int64_t>(64, (256 << 10) / int64_t(sizeof(T) * size_t(ckk)));
  return std::min(t, s.oh * s.ow);
}

template <typename T>
void add_bias(T* out, const T* bias, int64_t channels, int64_t plane) {
  if (!bias) return;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < plane; ++p) out[c * plane + p] += bias[c];
}

// The forward runs over (sample, group, column tile) tasks in parallel; each task's product
// writes its own block of y, so no two threads touch the same output.
template <typename T>
void forward(const ConvShape& s, T* y, const T* x, const T* w, const T* bias) {
  if constexpr (std::is_same_v<T, float>)
    if (conv_direct_applies(s)) return conv_direct_forward(s, y, x, w, bias);
  GroupSizes z(s);
  int64_t tw = tile_width<T>(s, z.ckk), tiles = (z.ohw + tw - 1) / tw;
  parallel_for(s.n * s.groups * tiles, 1, [&](int64_t begin, int64_t end) {
    auto scratch = column_scratch<T>(col_is_input(s) ? 0 : z.ckk * tw);
    for (int64_t task = begin; task < end; ++task) {
      int64_t n = task / (s.groups * tiles), g = task / tiles % s.groups, tile = task % tiles;
      int64_t t0 = tile * tw, t1 = std::min(z.ohw, t0 + tw);
      const T* xg = x + (n * s.c + g * z.cg) * z.hw;
      const T* col = xg + t0;
      int64_t ldb = z.ohw;
      if (!col_is_input(s)) {
        column_walk<T, false>(s, z.cg, t0, t1, xg, scratch.get());
        col = scratch.get();
        ldb = t1 - t0;
      }
      T* yg = y + (n * s.o + g * z.og) * z.ohw;
      matmul(CpuContext{},
             {.m = z.og, .n = t1 - t0, .k = z.ckk, .lda = z.ckk, .ldb = ldb, .ldc = z.ohw},
             dtype_of<T>(), w + g * z.og * z.ckk, col, yg + t0);
      if (bias)
        for (int64_t o = 0; o < z.og; ++o)
          for (int64_t t = t0; t < t1; ++t) yg[o * z.ohw + t] += bias[g * z.og + o];
    }
  });
}

// Tiles of one (sample, group) overlap in dx through their windows, so the parallelism is over
// (sample, group) pairs and the tiles of a pair run in order.
template <typename T>
void backward_input(const ConvShape& s, T* dx, const T* dy, const T* w, const T* bias) {
  if constexpr (std::is_same_v<T, float>)
    if (conv_direct_applies(s)) return conv_direct_backward_input(s, dx, dy, w, bias);
  GroupSizes z(s);
  int64_t tw = tile_width<T>(s, z.ckk);
  bool direct = col_is_input(s);
  parallel_for(s.n * s.groups, 1, [&](int64_t begin, int64_t end) {
    auto scratch = column_scratch<T>(direct ? 0 : z.ckk * tw);
    for (int64_t task = begin; task < end; ++task) {
      int64_t n = task / s.groups, g = task % s.groups;
      T* dxg = dx + (n * s.c + g * z.cg) * z.hw;
      const T* dyg = dy + (n * s.o + g * z.og) * z.ohw;
      if (!direct) std::fill(dxg, dxg + z.cg * z.hw, T(0));
      for (int64_t t0 = 0; t0 < z.ohw; t0 += tw) {
        int64_t t1 = std::min(z.ohw, t0 + tw);
        matmul(CpuContext{},
               {.m = z.ckk,
                .n = t1 - t0,
                .k = z.og,
                .trans_a = true,
                .lda = z.ckk,
                .ldb = z.ohw,
                .ldc = direct ? z.ohw : t1 - t0},
               dtype_of<T>(), w + g * z.og * z.ckk, dyg + t0, direct ? dxg + t0 : scratch.get());
        if (!direct) column_walk<T, true>(s, z.cg, t0, t1, dxg, scratch.get());
      }
      add_bias(dxg, bias ? bias + g * z.cg : nullptr, z.cg, z.hw);
    }
  });
}

// Partial sums of the weight gradient beyond this many bytes cost more to zero, fill and add
// (fresh pages each call) than they save: UNet's 512- and 1024-channel layers needed 75 MB each.
constexpr size_t kPartialBudget = size_t(8) << 20;

// The weight gradient sums dy_tile @ col_tile^T over every (sample, column tile) of a group. That
// sequence is cut into a fixed number of chunks, each summed into its own buffer by one task, and
// the buffers are added in chunk order: parallel for any number of groups, and the same result
// whatever the thread count. Where those buffers would outgrow kPartialBudget, each task owns a
// band of output channels instead and walks the whole sequence into dw itself (the column walk
// repeats per band, little next to products this large). Which way a shape goes depends on the
// shape alone, so results stay independent of the thread count.
template <typename T>
void backward_weight(const ConvShape& s, T* dw, const T* dy, const T* x) {
  if constexpr (std::is_same_v<T, float>)
    if (conv_direct_weight_applies(s)) return conv_direct_backward_weight(s, dw, dy, x);
  GroupSizes z(s);
  int64_t tw = tile_width<T>(s, z.ckk), tiles = (z.ohw + tw - 1) / tw;
  int64_t steps = s.n * tiles, chunks = std::min<int64_t>(8, steps), size = z.og * z.ckk;
  // rows [r0, r1) of group g's gradient, stored at c: c = beta * c + dy_tile @ col_tile^T for
  // one (sample, column tile) step.
  auto add_step = [&](int64_t g, int64_t step, int64_t r0, int64_t r1, T* c, double beta,
                      T* scratch) {
    int64_t n = step / tiles, t0 = step % tiles * tw, t1 = std::min(z.ohw, t0 + tw);
    column_walk<T, false>(s, z.cg, t0, t1, x + (n * s.c + g * z.cg) * z.hw, scratch);
    matmul(CpuContext{},
           {.m = r1 - r0,
            .n = z.ckk,
            .k = t1 - t0,
            .trans_b = true,
            .lda = z.ohw,
            .ldb = t1 - t0,
            .ldc = z.ckk,
            .beta = beta},
           dtype_of<T>(), dy + (n * s.o + g * z.og + r0) * z.ohw + t0, scratch, c);
  };
  if (size_t(chunks * size) * sizeof(T) > kPartialBudget) {
    int64_t bands = std::min<int64_t>(8, z.og);
    parallel_for(s.groups * bands, 1, [&](int64_t begin, int64_t end) {
      auto scratch = column_scratch<T>(z.ckk * tw);
      for (int64_t task = begin; task < end; ++task) {
        int64_t g = task / bands, band = task % bands;
        int64_t r0 = band * z.og / bands, r1 = (band + 1) * z.og / bands;
        for (int64_t step = 0; step < steps; ++step)
          add_step(g, step, r0, r1, dw + g * size + r0 * z.ckk, step == 0 ? 0 : 1, scratch.get());
      }
    });
    return;
  }
  std::vector<T> partial(size_t(s.groups * chunks * size), T(0));
  parallel_for(s.groups * chunks, 1, [&](int64_t begin, int64_t end) {
    auto scratch = column_scratch<T>(z.ckk * tw);
    for (int64_t task = begin; task < end; ++task) {
      int64_t g = task / chunks, chunk = task % chunks;
      for (int64_t step = chunk * steps / chunks; step < (chunk + 1) * steps / chunks; ++step)
        add_step(g, step, 0, z.og, partial.data() + task * size, 1, scratch.get());
    }
  });
  for (int64_t g = 0; g < s.groups; ++g) {
    T* out = dw + g * size;
    std::copy_n(partial.data() + g * chunks * size, size, out);
    for (int64_t chunk = 1; chunk < chunks; ++chunk) {
      const T* p = partial.data() + (g * chunks + chunk) * size;
      for (int64_t i = 0; i < size; ++i) out[i] += p[i];
    }
  }
}

}  // namespace

void conv2d_forward(const CpuContext&, const ConvShape& s, DType type, void* y, const void* x,
                    const void* w, const void* bias) {
  dispatch_float(type, "conv2d (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    forward(s, static_cast<T*>(y), static_cast<const T*>(x), static_cast<const T*>(w),
            static_cast<const T*>(bias));
  });
}

void conv2d_backward_input(const CpuContext&, const ConvShape& s, DType type, void* dx,
                           const void* dy, const void* w, const void* bias) {
  dispatch_float(type, "conv2d backward (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    backward_input(s, static_cast<T*>(dx), static_cast<const T*>(dy), static_cast<const T*>(w),
                   static_cast<const T*>(bias));
  });
}

void conv2d_backward_weight(const CpuContext&, const ConvShape& s, DType type, void* dw,
                            const void* dy, const void* x) {
  dispatch_float(type, "conv2d backward (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    backward_weight(s, static_cast<T*>(dw), static_cast<const T*>(dy), static_cast<const T*>(x));
  });
}

}  // namespace tessel::kernels
