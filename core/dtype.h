// Element types and the one dtype-dispatch helper every op uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <type_traits>
#include <utility>

#include "core/error.h"
#include "core/half.h"

namespace tessel {

enum class DType : uint8_t { F32, F64, F16, BF16, I32, I64, U8, Bool };

inline constexpr DType kFloat32 = DType::F32;
inline constexpr DType kFloat64 = DType::F64;
inline constexpr DType kFloat16 = DType::F16;
inline constexpr DType kBFloat16 = DType::BF16;
inline constexpr DType kInt32 = DType::I32;
inline constexpr DType kInt64 = DType::I64;
inline constexpr DType kUInt8 = DType::U8;
inline constexpr DType kBool = DType::Bool;

size_t element_size(DType t);
const char* dtype_name(DType t);
inline bool is_floating(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 || t == DType::BF16;
}
inline std::ostream& operator<<(std::ostream& os, DType t) {
  return os << dtype_name(t);
}

template <typename T>
struct TypeTag {
  using type = T;
};

// The C++ type stored for a dtype, and back.
template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::F32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::F64;
}
template <>
constexpr DType dtype_of<Half>() {
  return DType::F16;
}
template <>
constexpr DType dtype_of<BFloat16>() {
  return DType::BF16;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::I32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::I64;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::U8;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::Bool;
}

// Calls fn(TypeTag<T>{}) for the C++ type T of `t`; `what` names the op in the error raised for a
// dtype outside the listed set. Instantiating only the listed types keeps compile time in budget.
template <typename T0, typename... Ts, typename Fn>
decltype(auto) dispatch_types(DType t, const char* what, Fn&& fn) {
  // The result type from the first listed type: naming one outside the list would instantiate
  // fn's body for it as well.
  using R = decltype(fn(TypeTag<T0>{}));
  if constexpr (std::is_void_v<R>) {
    bool hit = (dtype_of<T0>() == t ? (fn(TypeTag<T0>{}), true) : false) ||
               ((dtype_of<Ts>() == t ? (fn(TypeTag<Ts>{}), true) : false) || ...);
    TESSEL_CHECK(hit, what, ": dtype ", dtype_name(t), " is not supported");
  } else {
    R result{};
    bool hit = (dtype_of<T0>() == t ? (result = fn(TypeTag<T0>{}), true) : false) ||
               ((dtype_of<Ts>() == t ? (result = fn(TypeTag<Ts>{}), true) : false) || ...);
    TESSEL_CHECK(hit, what, ": dtype ", dtype_name(t), " is not supported");
    return result;
  }
}

template <typename Fn>
decltype(auto) dispatch_float(DType t, const char* what, Fn&& fn) {  // CPU compute types
  return dispatch_types<float, double>(t, what, std::forward<Fn>(fn));
}
template <typename Fn>
decltype(auto) dispatch_all(DType t, const char* what, Fn&& fn) {
  return dispatch_types<float, double, Half, BFloat16, int32_t, int64_t, uint8_t, bool>(
      t, what, std::forward<Fn>(fn));
}

// Accumulation type: f32 for the 16-bit floats, the type itself otherwise.
template <typename T>
struct AccType {
  using type = T;
};
template <>
struct AccType<Half> {
  using type = float;
};
template <>
struct AccType<BFloat16> {
  using type = float;
};
template <typename T>
using acc_t = typename AccType<T>::type;

}  // namespace tessel
