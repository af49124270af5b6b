#!/usr/bin/env bash
# Installs the Debian packages Tessel builds with (when missing), then configures and builds
# into build/ (or $TESSEL_BUILD_DIR) every target (or $TESSEL_BUILD_TARGET). Used by both README
# commands and scripts/fuzz.sh; extra arguments go to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_packages.sh cmake ninja-build g++ libeigen3-dev libgtest-dev libbenchmark-dev \
  libpng-dev libjpeg62-turbo-dev zlib1g-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev \
  libonnx-dev libprotobuf-dev protobuf-compiler libgloo-dev

build_dir=${TESSEL_BUILD_DIR:-build}
cmake_args=(-S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release)
# With no CUDA toolkit on the machine, build the CPU-only engine instead of failing.
if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "No CUDA toolkit found: building the CPU-only engine (TESSEL_CUDA=OFF)."
  cmake_args+=(-DTESSEL_CUDA=OFF)
elif ! command -v nvcc >/dev/null 2>&1; then
  cmake_args+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
fi
cmake "${cmake_args[@]}" "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" ${TESSEL_BUILD_TARGET:+--target "$TESSEL_BUILD_TARGET"}
