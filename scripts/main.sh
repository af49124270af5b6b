#!/usr/bin/env bash
# The README's main job: install what is missing and build, then on Tessel's built-in synthetic
# shapes
#   1. train recipes/quickstart.yaml (on the GPU if there is one, else on the CPU), evaluating
#      as it goes (metrics table, confusion matrix and overlays, TensorBoard events, CSV);
#   2. write the recipe's validation images to disk and score the best checkpoint on them with
#      tessel-eval (the same numbers the trainer's last evaluation printed, if it was the best);
#   3. predict masks and overlays for them with tessel-predict;
# and print where everything is and the final mIoU. To change the recipe, run
# build/tools/tessel-train recipes/quickstart.yaml key=value ... directly.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  echo "scripts/main.sh takes no arguments; for overrides run" \
    "build/tools/tessel-train recipes/quickstart.yaml key=value ..." >&2
  exit 2
fi
scripts/build.sh

run=runs/quickstart
rm -rf "$run"
build/tools/tessel-train recipes/quickstart.yaml "train.output_dir=$run"

# The recipe's validation split: data.synthetic_val images of data.synthetic_size pixels drawn
# with seed 2 * train.seed + 1 (train/builders.cpp).
build/tools/tessel-data synth "$run/val_images" --count 64 --size 96 --seed 1
build/tools/tessel-eval --weights "$run/checkpoints/best" --dataset folder --root "$run/val_images" \
  --confusion "$run/confusion_best.png" | tee "$run/eval.txt"
build/tools/tessel-predict --weights "$run/checkpoints/best" "$run/val_images/images" \
  --out "$run/predictions" --overlay >/dev/null

miou=$(awk '/^mean/ {print $3 "%"; exit}' "$run/eval.txt")
cat <<SUMMARY

Quickstart done. Everything is under $run/:
  report.html                          open this first: curves, per-class table, confusion matrix, overlays
  checkpoints/best, checkpoints/last   model, optimizer and loader state (resume with train.resume=...)
  recipe.yaml, train.log, env.json     the recipe as run (overrides applied), the console output, the machine
  metrics.csv, tensorboard/            every logged value (tensorboard --logdir $run/tensorboard)
  eval/iter_*/                         confusion.svg/.csv/.png and sample_*.png (truth | prediction)
  val_images/                          the validation images and masks, as a folder dataset
  eval.txt, confusion_best.png         tessel-eval of the best checkpoint on them
  predictions/                         tessel-predict's palette masks and overlays
Final validation mIoU (best checkpoint): ${miou:-see $run/eval.txt}
SUMMARY
