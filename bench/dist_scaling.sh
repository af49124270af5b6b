#!/usr/bin/env bash
# Data-parallel scaling on the CPU: the same training (the small UNet of bench/NOTES.md on
# synthetic 96x96 images, global batch 16) on 1 rank with every core, then on 2 ranks (Gloo over
# loopback) with half the cores each. Prints images/s of each (the last logged window, after
# warm-up) and the efficiency of 2 ranks against 1 on the same cores: what DDP's bucketed
# allreduce, its copies and the extra process cost.
#   bench/dist_scaling.sh [BUILD_DIR] [ITERATIONS]
set -euo pipefail
build=${1:-build}
iterations=${2:-30}
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/recipe.yaml" <<YAML
model: {name: unet, unet: {base_width: 16, depth: 4, bilinear: true, batch_norm: true}}
optimizer: {name: sgd, lr: 0.01, momentum: 0.9}
schedule: {name: poly}
data:
  format: synthetic
  synthetic_train: 256
  synthetic_val: 4
  synthetic_size: 96
  workers: 1
  train_augment: [hflip, {normalize: {mean: 127.5, std: 64}}]
  val_augment: [{normalize: {mean: 127.5, std: 64}}]
train: {batch_size: 16, iterations: $iterations, log_interval: $((iterations / 3)), device: cpu, seed: 1}
eval: {batch_size: 4}
YAML
rate() {  # the last train/images_per_s a run logged
  grep ',train/images_per_s,' "$1/metrics.csv" | tail -1 | cut -d, -f3
}
OMP_NUM_THREADS=$cores "$build/tools/tessel-train" "$work/recipe.yaml" \
  train.output_dir="$work/one" > "$work/one.log" 2>&1
OMP_NUM_THREADS=$((cores / 2 > 0 ? cores / 2 : 1)) "$build/tools/tessel-run" --nproc-per-node 2 -- \
  "$build/tools/tessel-train" "$work/recipe.yaml" train.output_dir="$work/two" \
  train.batch_size=8 > "$work/two.log" 2>&1
one=$(rate "$work/one") two=$(rate "$work/two")
echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores"
printf '%-28s %12s\n' "run" "images/s"
printf '%-28s %12.2f\n' "1 rank x $cores threads" "$one"
printf '%-28s %12.2f\n' "2 ranks x $((cores / 2)) threads (gloo)" "$two"
awk -v a="$one" -v b="$two" 'BEGIN { printf "efficiency of 2 ranks: %.1f%%\n", 100 * b / a }'
