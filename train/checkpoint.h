// Checkpoints: one directory per checkpoint, written whole or not at all.
//
//   model.safetensors      the model's state dict (what the eval and predict tools read)
//   ema.safetensors        the EMA weights, when EMA is on
//   optimizer.safetensors  the optimizer's per-parameter buffers ("state.<index>.<buffer>")
//   state.json             optimizer groups and steps, scheduler, RNG, loader position, counters,
//                          the f16 loss scale
//
// Everything a run needs to continue exactly where it stopped: resuming a deterministic run from
// a checkpoint gives, bit for bit, the weights of a run never interrupted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data/loader.h"
#include "nn/ema.h"
#include "nn/grad_scaler.h"
#include "nn/lr_scheduler.h"
#include "nn/safetensors.h"

namespace tessel::train {

// Where the loop stands, besides the tensors.
struct Progress {
  int64_t iteration = 0;  // optimizer steps done
  data::LoaderState loader;
  int64_t bad_steps = 0;    // consecutive steps skipped for a NaN/Inf loss or gradient
  int64_t stale_evals = 0;  // evaluations since the metric last improved
  std::vector<std::pair<int64_t, double>> best;  // (iteration, metric) kept, best first
  int64_t world_size = 1;  // ranks of the run that wrote it: the data order depends on it
};

// What a checkpoint reads and writes; ema and scaler may be null.
struct CheckpointParts {
  nn::Module& model;
  nn::Optimizer& optimizer;
  nn::LrScheduler& scheduler;
  nn::Ema* ema;
  nn::GradScaler* scaler;  // f16 training only
  Progress& progress;
  nn::Metadata metadata;  // stored in model.safetensors (model name, classes, ...)
};

void save_checkpoint(const std::string& dir, const CheckpointParts& parts);
// Restores every part from `dir`, including the default generator's state.
void load_checkpoint(const std::string& dir, CheckpointParts& parts);

// Creates `dir` whole or not at all: `fill` writes files into a temporary sibling directory,
// which is synced and renamed to `dir` (an older `dir` is swapped out atomically and removed).
// If `fill` throws, the temporary directory is removed and the error passes on.
void write_directory_atomically(const std::string& dir,
                                const std::function<void(const std::string& tmp)>& fill);

// Points the symbolic link `link` at `target` (a sibling's name), atomically.
void point_link(const std::string& link, const std::string& target);

}  // namespace tessel::train
