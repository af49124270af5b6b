#include "engine/autocast.h"

namespace tessel {
namespace {
thread_local std::optional<DType> g_autocast;

bool is_16bit(DType t) {
  return t == DType::F16 || t == DType::BF16;
}
}  // namespace

AutocastGuard::AutocastGuard(std::optional<DType> dtype) : previous_(g_autocast) {
  TESSEL_CHECK(!dtype || is_floating(*dtype), "AutocastGuard: dtype ", *dtype,
               " is not a floating dtype");
  g_autocast = dtype;
}
AutocastGuard::~AutocastGuard() {
  g_autocast = previous_;
}

std::optional<DType> autocast_dtype() {
  return g_autocast;
}

bool autocast_lowers(std::initializer_list<const Tensor*> ts) {
  if (!g_autocast) return false;
  for (const Tensor* t : ts)
    if (t->defined() && is_floating(t->dtype()) && t->dtype() != *g_autocast) return true;
  return false;
}

Tensor autocast_lower(const Tensor& t) {
  return t.defined() && is_floating(t.dtype()) ? t.to(*g_autocast) : t;
}

bool autocast_widens(std::initializer_list<const Tensor*> ts) {
  if (!g_autocast) return false;
  for (const Tensor* t : ts)
    if (t->defined() && is_16bit(t->dtype())) return true;
  return false;
}

Tensor autocast_widen(const Tensor& t) {
  return t.defined() && is_16bit(t.dtype()) ? t.to(DType::F32) : t;
}

}  // namespace tessel
