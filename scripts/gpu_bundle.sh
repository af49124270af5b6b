#!/usr/bin/env bash
# Stages what tools/gpu_check.sh needs on a GPU machine that has the CUDA driver, nvcc and PyTorch
# but none of our Debian packages: the test and benchmark binaries, the tools, the libtessel_*
# layers, and the non-CUDA shared libraries they link (cuDNN, cuBLAS and cudart are found there, not carried:
# cuDNN alone is far over the transfer limit). Output: gpu_bundle/ (git-ignored).
# Usage: scripts/gpu_bundle.sh [extra CMake args, e.g. -DCMAKE_CUDA_ARCHITECTURES=90]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh "$@"
rm -rf gpu_bundle && mkdir -p gpu_bundle/lib gpu_bundle/bin
cp build/tests/tessel_tests build/bench/*_bench build/tools/tessel-* gpu_bundle/bin/
find build -maxdepth 2 -name 'libtessel_*.so' -exec cp -L {} gpu_bundle/lib/ \;
for lib in libbenchmark.so.1debian libgomp.so.1 libstdc++.so.6 libgcc_s.so.1 libz.so.1 \
           libyaml-cpp.so.0.7; do
  cp -L "$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')" gpu_bundle/lib/
done
du -sh gpu_bundle
