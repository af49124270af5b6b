#include "kernels/reduce.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels::cpu {

void reduce_rows(ReduceOp op, DType type, void* out, const void* in, int64_t outer, int64_t inner) {
  dispatch_types<float, double, Half, BFloat16, int32_t, int64_t>(type, "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Double accumulation on the CPU: exact enough that the CPU stays the reference.
    using A = std::conditional_t<std::is_integral_v<T>, int64_t, double>;
    const T* x = static_cast<const T*>(in);
    T* o = static_cast<T*>(out);
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        A acc = 0;
        const T* row = x + r * inner;
        for (int64_t i = 0; i < inner; ++i) acc += A(acc_t<T>(row[i]));
        if (op == ReduceOp::Mean) acc = inner ? A(acc / A(inner)) : A(0);
        o[r] = T(acc_t<T>(acc));
      }
    });
  });
}

}  // namespace tessel::kernels::cpu
