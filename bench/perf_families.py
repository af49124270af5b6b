"""Splits a `perf record` profile of a training or inference step into op families and framework
overhead, by symbol and library (bench/NOTES.md quotes its tables).

  OMP_NUM_THREADS=2 perf record -g -o step.data build/bench/models_bench \\
      --benchmark_filter='unet_small_train_cpu/16' --benchmark_min_time=3
  python3 bench/perf_families.py step.data

Families are matched on the demangled symbol (first match wins); what no family claims is listed
under "other" with its largest symbols, so a new hot spot shows up rather than hiding.
"""
import re
import subprocess
import sys
from collections import defaultdict

FAMILIES = [
    ("conv: direct 3x3", r"forward_tasks(8|16)|weight_tasks(8|16)|conv_direct|border\("),
    ("conv: GEMM (Eigen)", r"Eigen::internal::(gebp|gemm_pack|general_matrix)|kernels::matmul\b"),
    ("conv: column walk (im2col / col2im)", r"column_walk|backward_input<|backward_weight<|kernels::conv"),
    ("batch norm", r"norm_|group_moments|for_each_group"),
    ("max pool", r"max_pool|avg_pool"),
    ("bilinear / nearest", r"upsample|Resample|resample|bilinear"),
    ("copy, cat, slices", r"kernels::copy|for_each_offset<\d+, tessel::kernels::copy|__memmove|__memcpy"),
    ("zero fills", r"__memset"),
    ("elementwise (ReLU, add, scale)", r"kernels::unary|kernels::binary|parallel_strided|elementwise"),
    ("loss (cross-entropy)", r"cross_entropy|__ieee754_exp|\bexp\b|exp@"),
    ("optimizer", r"Sgd|optim|SgdStep"),
    ("reductions", r"reduce_rows|kernels::reduce|sum_"),
    ("OpenMP runtime (waiting, forking)", r"^\[libgomp|gomp_|GOMP_"),
    ("kernel: page faults, clearing pages", r"^\[k\]"),
    ("framework (engine, nn, allocation, autograd)", r"tessel::(Tensor|autograd|Node|nn::|Storage|detail|engine)|"
                                                     r"malloc|free|operator new|operator delete|std::"),
]


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "perf.data"
    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio",
                          "--percent-limit", "0.01"], capture_output=True, text=True, check=True).stdout
    totals, other = defaultdict(float), defaultdict(float)
    line_re = re.compile(r"^\s+([\d.]+)%\s+(\S+)\s+(\[[.k]\])\s+(.*\S)\s*$")
    for line in out.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4)
        key = f"[k] {sym}" if kind == "[k]" else (f"[libgomp] {sym}" if "libgomp" in dso else sym)
        for name, pattern in FAMILIES:
            if re.search(pattern, key):
                totals[name] += pct
                break
        else:
            other[f"{dso}: {sym[:90]}"] += pct
    print(f"{'family':<48} {'% of samples':>12}")
    for name, _ in FAMILIES:
        print(f"{name:<48} {totals[name]:12.1f}")
    print(f"{'other':<48} {sum(other.values()):12.1f}")
    for sym, pct in sorted(other.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {pct:5.1f}  {sym}")


if __name__ == "__main__":
    main()
