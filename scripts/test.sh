#!/usr/bin/env bash
# The README's test command: install, build, run every test (CUDA tests are skipped without a GPU),
# then the CPU suite again under AddressSanitizer and UndefinedBehaviorSanitizer, then each fuzz
# target for 30 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# Debian's ONNX package, whose Python checker tests/deploy runs on an exported file.
scripts/install_packages.sh python3-onnx
ctest --test-dir build --output-on-failure
# A CPU-only build in build-sanitize/ where any sanitizer finding fails its test. The
# find_package consumer is left out there: it links the libraries without the sanitizer runtime.
TESSEL_BUILD_DIR=build-sanitize scripts/build.sh -DTESSEL_CUDA=OFF -DTESSEL_BUILD_BENCH=OFF \
  -DTESSEL_SANITIZE=address,undefined
# The quickstart learning test (200 training iterations; ~18 minutes at 150) is too long under the
# sanitizers; Trainer.LearnsSyntheticShapesAndCallsBack runs the same training code for fewer steps.
# (Each GoogleTest case is its own ctest test, so ctest -E leaves it out.)
ctest --test-dir build-sanitize --output-on-failure \
  -E '^(consumer_find_package|Trainer\.QuickstartRecipeLearnsTheShapes)$'
# Each libFuzzer target for a short run from its seeds (scripts/fuzz.sh runs longer ones).
scripts/fuzz.sh 30
