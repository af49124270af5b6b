#!/usr/bin/env bash
# Runs on a GPU machine: every *_CUDA test, the CUDA benchmarks, and PyTorch on the same shapes,
# then a summary. Takes the bundle made by scripts/gpu_bundle.sh (default: ./gpu_bundle).
# Writes logs to $OUT (or ./gpu_check_out) when set.
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-gpu_bundle}
out=${OUT:-gpu_check_out}
mkdir -p "$out"
[ -x "$bundle/bin/tessel_tests" ] || { echo "no bundle at $bundle: run scripts/gpu_bundle.sh first"; exit 2; }

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/device.txt"
date -u +"date: %Y-%m-%dT%H:%M:%SZ" | tee -a "$out/device.txt"
nvcc --version 2>/dev/null | tail -1 | tee -a "$out/device.txt"

# cuDNN, cuBLAS and cudart come from this machine: its toolkit, or PyTorch's nvidia wheels.
libdirs="$PWD/$bundle/lib"
for name in libcudnn.so.9 libcublas.so.13 libcublasLt.so.13 libcudart.so.13; do
  hit=$(ldconfig -p | awk -v l="$name" '$1 == l {print $NF; exit}')
  [ -n "$hit" ] || hit=$(find /usr/local /opt /usr/lib "$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)" \
                          -name "$name" 2>/dev/null | head -1)
  if [ -n "$hit" ]; then libdirs="$libdirs:$(dirname "$hit")"; else echo "warning: $name not found"; fi
done
export TESSEL_FIXTURES="$PWD/tests/fixtures"
export LD_LIBRARY_PATH="$libdirs:${LD_LIBRARY_PATH:-}"

echo "== CUDA tests"
# Bring-up mode: a device fault is reported by the op that caused it (engine/dispatch.h), not by
# whichever later test happens to synchronise.
TESSEL_CUDA_SYNC=1 "$bundle/bin/tessel_tests" --gtest_filter='*_CUDA*:*_CUDA/*' 2>&1 | tee "$out/cuda_tests.txt" | grep -E "^\[  (FAILED|PASSED|SKIPPED) |^\[==========\]|Failure|error" | head -60
test_rc=${PIPESTATUS[0]}

echo "== Tessel CUDA benchmarks"
for b in "$bundle"/bin/*_bench; do
  "$b" --benchmark_filter=CUDA --benchmark_min_time=0.5 2>&1 | tee "$out/$(basename "$b").txt" | grep -v "^\*\*\*"
done

echo "== PyTorch on the same shapes"
PYTHONUNBUFFERED=1 python3 bench/compare_torch.py --bench-dir "$bundle/bin" --device cuda 2>&1 | tee "$out/compare_torch.txt"

echo "== Whole networks next to PyTorch"
PYTHONUNBUFFERED=1 python3 bench/compare_models_torch.py --bench-dir "$bundle/bin" --device cuda 2>&1 | tee "$out/compare_models_torch.txt"

echo "== Training steps at 512x512, f32 and bf16 (tessel-bench)"
for model in regseg48 pp_liteseg_t ddrnet_23_slim bisenetv2 segformer_b0 deeplabv3plus_resnet50; do
  for precision in f32 bf16; do
    for batch in 8 16; do
      "$bundle/bin/tessel-bench" --model "$model" --size 512x512 --batch "$batch" --device cuda \
        --classes 19 --iters 10 --train --precision "$precision" 2>&1
    done
  done
done | tee "$out/train_steps.txt"

echo "== Quickstart end to end on the GPU, bf16"
"$bundle/bin/tessel-train" recipes/quickstart.yaml train.precision=bf16 "train.output_dir=$out/quickstart" \
  2>&1 | tail -15 | tee "$out/quickstart.txt"

echo "== summary"
grep -hE "^\[  (PASSED|FAILED) \]" "$out/cuda_tests.txt"
echo "tests exit code: $test_rc"
exit "$test_rc"
