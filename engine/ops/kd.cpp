// Knowledge distillation loss, from log_softmax: the teacher's side is a constant.
#include "engine/ops/kd.h"

#include "engine/autocast.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/ops/softmax.h"

namespace tessel {

Tensor kd_loss(const Tensor& student, const Tensor& teacher, const KdOptions& options) {
  if (autocast_widens({&student, &teacher}))
    return kd_loss(autocast_widen(student), autocast_widen(teacher), options);
  const char* op = "kd_loss";
  check_float(op, student, "student");
  check_float(op, teacher, "teacher");
  check_same_device(op, student, "student", teacher, "teacher");
  TESSEL_CHECK(student.dim() >= 2, op, ": 'student' must be [N, C, d...], got shape ",
               shape_str(student.sizes()));
  TESSEL_CHECK(student.sizes() == teacher.sizes(), op, ": 'teacher' must have the student's shape ",
               shape_str(student.sizes()), ", got ", shape_str(teacher.sizes()));
  double T = options.temperature;
  TESSEL_CHECK(T > 0, op, ": 'temperature' must be > 0, got ", T);
  Tensor log_s = log_softmax(student / T, 1);
  Tensor log_t = log_softmax(teacher.detach() / T, 1);
  Tensor kl = sum(exp(log_t) * (log_t - log_s));
  double denom = options.reduction == KdReduction::BatchMean
                     ? double(student.size(0))
                     : double(student.numel() / std::max<int64_t>(student.size(1), 1));
  return kl * (T * T / std::max(denom, 1.0));
}

}  // namespace tessel
