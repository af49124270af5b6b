#!/usr/bin/env bash
# The README's test command: install, build, run every test (CUDA tests are skipped without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build --output-on-failure
