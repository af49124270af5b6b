// Elementwise kernels over strided plans (broadcasting through zero strides).
// Plans: unary {out, in}; unary_backward {grad_in, grad_out, x}; binary and compare
// {out, a, b}; where {out, cond, a, b}. All operands of one call share `type`, except compare's
// bool output and where's bool condition.
#pragma once

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/common/strided.h"
#include "kernels/elementwise_math.h"

namespace tessel::kernels {

void unary(const CpuContext&, UnaryOp op, UnaryParams q, const StridedPlan<2>& p, DType type,
           void* out, const void* in);
void unary_backward(const CpuContext&, UnaryOp op, UnaryParams q, const StridedPlan<3>& p,
                    DType type, void* grad_in, const void* grad_out, const void* x);
void binary(const CpuContext&, BinaryOp op, const StridedPlan<3>& p, DType type, void* out,
            const void* a, const void* b);
void compare(const CpuContext&, CompareOp op, const StridedPlan<3>& p, DType type, bool* out,
             const void* a, const void* b);
void where(const CpuContext&, const StridedPlan<4>& p, DType type, void* out, const bool* cond,
           const void* a, const void* b);

void unary(const CudaContext&, UnaryOp op, UnaryParams q, const StridedPlan<2>& p, DType type,
           void* out, const void* in);
void unary_backward(const CudaContext&, UnaryOp op, UnaryParams q, const StridedPlan<3>& p,
                    DType type, void* grad_in, const void* grad_out, const void* x);
void binary(const CudaContext&, BinaryOp op, const StridedPlan<3>& p, DType type, void* out,
            const void* a, const void* b);
void compare(const CudaContext&, CompareOp op, const StridedPlan<3>& p, DType type, bool* out,
             const void* a, const void* b);
void where(const CudaContext&, const StridedPlan<4>& p, DType type, void* out, const bool* cond,
           const void* a, const void* b);

}  // namespace tessel::kernels
