// 16-bit float storage types usable on host and device. Arithmetic goes through float:
// kernels load a Half/BFloat16, compute in float (or double) and round once on store.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#define TESSEL_HD __host__ __device__ __forceinline__
#else
#define TESSEL_HD inline
#endif
// Fully unrolls the loop it precedes in device code, so that small arrays indexed by its
// counter stay in registers instead of a stack frame.
#if defined(__CUDA_ARCH__)
#define TESSEL_UNROLL _Pragma("unroll")
#else
#define TESSEL_UNROLL
#endif

namespace tessel {

namespace detail {
TESSEL_HD uint32_t f32_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}
TESSEL_HD float bits_f32(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}
}  // namespace detail

struct Half {
  uint16_t bits = 0;
  Half() = default;
  TESSEL_HD Half(float f) : bits(from_float(f)) {}
  TESSEL_HD operator float() const { return to_float(bits); }

  TESSEL_HD static uint16_t from_float(float f) {
#if defined(__CUDA_ARCH__)
    return __half_as_ushort(__float2half_rn(f));
#else
    // Round to nearest even, with subnormals, infinities and NaN (as IEEE 754 binary16).
    uint32_t x = detail::f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u) return uint16_t(sign | (abs > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to infinity
    if (abs < 0x38800000u) {                                  // subnormal half (or zero)
      float magic = detail::bits_f32(abs) + 0.5f;             // 0.5 = 2^-1 aligns the mantissa
      return uint16_t(sign | (detail::f32_bits(magic) - 0x3f000000u));
    }
    uint32_t mant_odd = (abs >> 13) & 1u;
    abs += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round half to even
    return uint16_t(sign | (abs >> 13));
#endif
  }
  TESSEL_HD static float to_float(uint16_t h) {
#if defined(__CUDA_ARCH__)
    return __half2float(__ushort_as_half(h));
#else
    uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0x1f) return detail::bits_f32(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {  // zero or subnormal: value = mant * 2^-24
      float v = float(mant) * 5.9604644775390625e-8f;
      return sign ? -v : v;
    }
    return detail::bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
#endif
  }
};

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  TESSEL_HD BFloat16(float f) : bits(from_float(f)) {}
  TESSEL_HD operator float() const { return detail::bits_f32(uint32_t(bits) << 16); }

  TESSEL_HD static uint16_t from_float(float f) {
    uint32_t x = detail::f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1u);                                          // nearest even
    return uint16_t(x >> 16);
  }
};

}  // namespace tessel
