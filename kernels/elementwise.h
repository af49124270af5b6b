// Elementwise kernels over strided plans (broadcasting through zero strides).
// Plans: unary {out, in}; unary_backward {grad_in, grad_out, x}; binary and compare
// {out, a, b}; where {out, cond, a, b}. All operands of one call share `type`, except compare's
// bool output and where's bool condition.
#pragma once

#include "engine/dtype.h"
#include "kernels/elementwise_math.h"
#include "kernels/stream.h"
#include "kernels/common/strided.h"

namespace tessel::kernels {

namespace cpu {
void unary(UnaryOp op, UnaryParams q, const StridedPlan<2>& p, DType type, void* out,
           const void* in);
void unary_backward(UnaryOp op, UnaryParams q, const StridedPlan<3>& p, DType type, void* grad_in,
                    const void* grad_out, const void* x);
void binary(BinaryOp op, const StridedPlan<3>& p, DType type, void* out, const void* a,
            const void* b);
void compare(CompareOp op, const StridedPlan<3>& p, DType type, bool* out, const void* a,
             const void* b);
void where(const StridedPlan<4>& p, DType type, void* out, const bool* cond, const void* a,
           const void* b);
}  // namespace cpu

namespace cuda {
void unary(UnaryOp op, UnaryParams q, const StridedPlan<2>& p, DType type, void* out,
           const void* in, Stream stream);
void unary_backward(UnaryOp op, UnaryParams q, const StridedPlan<3>& p, DType type, void* grad_in,
                    const void* grad_out, const void* x, Stream stream);
void binary(BinaryOp op, const StridedPlan<3>& p, DType type, void* out, const void* a,
            const void* b, Stream stream);
void compare(CompareOp op, const StridedPlan<3>& p, DType type, bool* out, const void* a,
             const void* b, Stream stream);
void where(const StridedPlan<4>& p, DType type, void* out, const bool* cond, const void* a,
           const void* b, Stream stream);
}  // namespace cuda

}  // namespace tessel::kernels
