#!/usr/bin/env bash
# The README's main job: install, build, and train the small segmentation network on the built-in
# synthetic data (on the GPU if there is one), printing the loss as it goes down.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build/tools/tiny_train "$@"
