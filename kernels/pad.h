// Padding of the last three dims of a contiguous [outer, d0, d1, d2] tensor (fewer padded dims
// are given as size-1 dims with no padding). Forward reads, for each output element, the source
// element the mode maps it to. Backward is the same map read the other way: each input element
// sums the output gradients that came from it, so there is no scatter and the order is fixed.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

enum class PadMode : int { Constant, Reflect, Replicate };

struct PadGeom {
  PadMode mode = PadMode::Constant;
  int64_t outer = 1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int64_t lo[3] = {0, 0, 0};  // padding before each dim (negative crops, constant mode only)

  TESSEL_HD int64_t in_numel() const { return outer * in[0] * in[1] * in[2]; }
  TESSEL_HD int64_t out_numel() const { return outer * out[0] * out[1] * out[2]; }

  // Input index along dim d read by output index o; -1 where the constant shows through.
  TESSEL_HD int64_t source(int d, int64_t o) const {
    int64_t i = o - lo[d], n = in[d];
    if (mode == PadMode::Reflect) return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
    if (mode == PadMode::Replicate) return i < 0 ? 0 : (i >= n ? n - 1 : i);
    return i >= 0 && i < n ? i : -1;
  }

  // The output indices along dim D that read input index i, as three ranges [b[r], e[r]): the
  // left border, the index itself, the right border. Each is empty where nothing maps there.
  // D is a template argument: a run-time index into the geometry's arrays would make CUDA copy
  // them to a stack frame.
  template <int D>
  TESSEL_HD void readers(int64_t i, int64_t* b, int64_t* e) const {
    constexpr int d = D;
    int64_t n = in[d], l = lo[d], m = out[d];
    b[0] = e[0] = b[2] = e[2] = 0;
    b[1] = i + l;
    e[1] = i + l + 1;
    if (mode == PadMode::Replicate) {
      if (i == 0) e[0] = l;
      if (i == n - 1) b[2] = n + l, e[2] = m;
    } else if (mode == PadMode::Reflect) {
      if (i >= 1 && i <= l) b[0] = l - i, e[0] = l - i + 1;
      if (i <= n - 2) b[2] = l + 2 * (n - 1) - i, e[2] = b[2] + 1;
    }
    for (int r = 0; r < 3; ++r) {
      b[r] = b[r] < 0 ? 0 : b[r];
      e[r] = e[r] > m ? m : e[r];
    }
  }

  // Output element e of the forward.
  template <typename T>
  TESSEL_HD T forward_at(const T* x, int64_t e, T value) const {
    int64_t o2 = e % out[2], r = e / out[2];
    int64_t o1 = r % out[1], o0 = (r / out[1]) % out[0], a = r / out[1] / out[0];
    int64_t s0 = source(0, o0), s1 = source(1, o1), s2 = source(2, o2);
    if (s0 < 0 || s1 < 0 || s2 < 0) return value;
    return x[((a * in[0] + s0) * in[1] + s1) * in[2] + s2];
  }

  // fn(o) for every output index along dim D that reads input index i, range by range.
  template <int D, typename Fn>
  TESSEL_HD void for_each_reader(int64_t i, const Fn& fn) const {
    int64_t b[3], e[3];
    readers<D>(i, b, e);
    // Constant indices keep b and e in registers on the GPU.
    TESSEL_UNROLL
    for (int r = 0; r < 3; ++r)
      for (int64_t o = b[r]; o < e[r]; ++o) fn(o);
  }

  // Gradient of input element e, given the contiguous output gradient g.
  template <typename T>
  TESSEL_HD acc_t<T> backward_at(const T* g, int64_t e) const {
    int64_t i2 = e % in[2], r = e / in[2];
    int64_t i1 = r % in[1], i0 = (r / in[1]) % in[0], a = r / in[1] / in[0];
    acc_t<T> sum = 0;
    for_each_reader<0>(i0, [&](int64_t o0) {
      for_each_reader<1>(i1, [&](int64_t o1) {
        const T* row = g + ((a * out[0] + o0) * out[1] + o1) * out[2];
        for_each_reader<2>(i2, [&](int64_t o2) { sum += static_cast<acc_t<T>>(row[o2]); });
      });
    });
    return sum;
  }
};

void pad(const CpuContext&, const PadGeom& g, DType type, void* out, const void* in, double value);
void pad_backward(const CpuContext&, const PadGeom& g, DType type, void* grad_in,
                  const void* grad_out);

void pad(const CudaContext&, const PadGeom& g, DType type, void* out, const void* in, double value);
void pad_backward(const CudaContext&, const PadGeom& g, DType type, void* grad_in,
                  const void* grad_out);

}  // namespace tessel::kernels
