// The training loop a recipe describes, as a C++ API: tessel-train is a thin front end, and
// research code can build a Trainer, hook callbacks in, and run it.
//
//   train::Trainer trainer(train::load_recipe("recipes/quickstart.yaml", {"train.seed=3"}));
//   trainer.callbacks().on_eval = [](const train::EvalEvent& e) { ... };
//   train::TrainResult result = trainer.run();
//
// The network starts from model.weights or model.backbone_weights when the recipe names a file
// (make_model, train/builders.h).
//
// One iteration is one optimizer step over `train.accumulate` micro-batches. A step whose loss
// or gradient norm is NaN or Inf is skipped (the gradients dropped, the schedule moving on) with a
// warning; `train.max_bad_steps` of them in a row stop the run with an error. Evaluation (every
// `eval.interval` iterations and at the end) counts a confusion matrix on the device, with the
// EMA weights when EMA is on, prints the metrics table and writes a checkpoint: the last one and
// the best `checkpoint.keep_best` by `checkpoint.metric` are kept, under
// <output_dir>/checkpoints/iter_NNNNNN with links `last` and `best`. Every logged value goes to
// <output_dir>/metrics.csv and to TensorBoard event files in <output_dir>/tensorboard; each
// evaluation also draws <output_dir>/eval/iter_NNNNNN/confusion.png and, for the first
// `eval.overlays` validation images, sample_K.png (truth | prediction over the image).
// With checkpoint.average_best, the kept best checkpoints are averaged at the end into
// checkpoints/average (SuperGradients' average_best_models) and the average is evaluated. On the
// CPU the run is deterministic for a seed, and resuming from a checkpoint continues it exactly.
//
// Stopping from outside (tessel-train on SIGINT or SIGTERM, e.g. SLURM's pre-emption): a handler
// stores the signal in a flag the trainer watches (stop_on); at the next iteration boundary the
// run writes checkpoints/last as the periodic checkpoints do, without evaluating, and returns with
// TrainResult::stopped_by set. train.resume=auto (or =RUN/checkpoints/last) continues it exactly.
//
// Data parallel (launched by tessel-run, torchrun, mpirun or srun: dist/launch_env.h): every
// rank trains the model on its shard of each epoch (data::LoaderOptions' distributed sampler)
// with gradients averaged by nn::DistributedDataParallel, on cuda:LOCAL_RANK when the recipe's
// device is CUDA (NCCL) and on the CPU otherwise (Gloo). train.batch_size is per rank; the
// global batch is world_size times it. train.sync_bn turns BatchNorm into SyncBatchNorm.
// Evaluation is sharded and the confusion counts summed over ranks, so the metrics are exactly
// a single process's. Rank 0 alone writes logs, TensorBoard, plots, reports and checkpoints while
// the others wait at a barrier; every rank reads the checkpoint it resumes from, so output_dir
// must be on storage all ranks see, and a resume needs the same number of ranks. Stop requests
// and signals are agreed on by all ranks at each iteration boundary.
//
// train.precision bf16 or f16 runs forward passes and losses under an AutocastGuard (the
// parameters and optimizer stay f32); f16 adds dynamic loss scaling, whose overflow steps are
// skipped without counting as bad steps. Both need a CUDA device.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "data/dataset.h"
#include "data/loader.h"
#include "dist/process_group.h"
#include "models/segmentation_model.h"
#include "nn/ddp.h"
#include "nn/ema.h"
#include "nn/grad_scaler.h"
#include "nn/loss_registry.h"
#include "nn/lr_scheduler.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/logger.h"
#include "train/metrics.h"
#include "train/tensorboard.h"

namespace tessel::train {

struct StepEvent {
  int64_t iteration, total, epoch;
  double loss, lr;
  bool skipped;  // NaN/Inf loss or gradient
};

struct EvalEvent {
  int64_t iteration;
  const SegmentationMetrics& metrics;
  double score;  // checkpoint.metric
  bool improved;
  std::string checkpoint;  // the directory written
};

struct Callbacks {
  std::function<void(const StepEvent&)> on_step;
  std::function<void(int64_t epoch)> on_epoch;  // after each full pass over the training data
  std::function<void(const EvalEvent&)> on_eval;
};

struct TrainResult {
  int64_t iterations = 0;
  double seconds = 0;
  SegmentationMetrics metrics;  // of the last evaluation
  double score = 0;             // checkpoint.metric of the last evaluation
  double best_score = 0;
  bool early_stopped = false;
  std::string output_dir, last_checkpoint, best_checkpoint, csv, tensorboard;
  std::string plots;               // the last evaluation's confusion matrix and overlays
  std::string average_checkpoint;  // checkpoint.average_best: the averaged weights
  std::optional<double> average_score;
  // Non-zero when the stop flag (Trainer::stop_on) ended the run: the number stored there (the
  // signal's). The run stopped after `iterations`, unevaluated, and last_checkpoint continues it.
  int stopped_by = 0;
};

class Trainer {
 public:
  explicit Trainer(Recipe recipe);
  ~Trainer();

  TrainResult run();
  Callbacks& callbacks() { return callbacks_; }
  // Ends the run after the current iteration (from a callback, say), with a final evaluation.
  void request_stop() { stop_requested_ = true; }
  // Checks `*flag` between iterations (after an iteration's optimizer step and any evaluation);
  // once it is non-zero, the run writes checkpoints/last for that iteration and returns with
  // TrainResult::stopped_by = *flag. A signal handler may set it (it is lock-free); the flag must
  // outlive run().
  void stop_on(const std::atomic<int>* flag) { stop_flag_ = flag; }

  models::SegmentationModel& model() { return *model_; }
  const Recipe& recipe() const { return recipe_; }
  Device device() const { return device_; }
  int64_t total_iterations() const { return total_; }
  // This process's place in a data-parallel run (rank 0 of 1 otherwise).
  const dist::LaunchEnv& launch() const { return env_; }

 private:
  std::optional<data::Batch> next_batch();
  bool train_step();  // false when the step was skipped
  // The confusion matrix on the validation set, with the EMA weights when EMA is on and
  // `use_ema`.
  // Sharded over the ranks unless `sharded` is false (rank 0 alone, the whole validation set).
  ConfusionCounts evaluate(bool use_ema = true, bool sharded = true);
  // checkpoint.average_best: averages the best checkpoints, writes and evaluates the average.
  void average_best(TrainResult& result);
  // The confusion matrix (PNG, SVG, CSV) and the overlays of one evaluation into `dir`, the
  // overlays into TensorBoard too; returns the overlays' PNG files.
  std::vector<std::string> write_eval_plots(const std::string& dir, const ConfusionCounts& counts);
  // report.html in the output directory, for the evaluation just made.
  void write_report(const SegmentationMetrics& m, const ConfusionCounts& counts,
                    std::vector<std::string> overlay_pngs);
  void log_scalar(const std::string& name, double value);
  // Evaluates, checkpoints and updates the best list; returns false to stop early.
  bool evaluate_and_checkpoint(TrainResult& result);
  // Writes checkpoints/iter_N for the current iteration, points `last` (and `best`) at the kept
  // checkpoints and removes the others; returns the directory written.
  std::string save_last_checkpoint(TrainResult& result);
  CheckpointParts parts();
  // Data-parallel helpers: rank 0 alone writes files; the others wait for it at barrier().
  bool writes() const { return env_.rank == 0; }
  void barrier();
  // `value` reduced over all ranks (itself in a single process).
  double all_ranks(double value, dist::ReduceOp op);

  Recipe recipe_;
  dist::LaunchEnv env_;
  Device device_;
  std::shared_ptr<dist::TcpStore> store_;
  std::shared_ptr<dist::ProcessGroup> group_;  // data-parallel runs only
  std::unique_ptr<nn::DistributedDataParallel> ddp_;
  std::unique_ptr<data::Dataset> train_set_, val_set_;
  std::shared_ptr<models::SegmentationModel> model_;
  std::shared_ptr<nn::WeightedOutputsLoss> loss_;
  std::unique_ptr<nn::Optimizer> optimizer_;
  std::unique_ptr<nn::LrScheduler> scheduler_;
  std::optional<nn::Ema> ema_;
  std::optional<DType> autocast_;         // train.precision bf16/f16
  std::optional<nn::GradScaler> scaler_;  // f16 only
  std::unique_ptr<data::Loader> loader_;
  std::unique_ptr<CsvLog> csv_;
  std::unique_ptr<ConsoleLog> console_;
  std::unique_ptr<EventWriter> events_;
  Progress progress_;
  Callbacks callbacks_;
  int64_t total_ = 0;
  double last_loss_ = 0;
  bool stop_requested_ = false;
  const std::atomic<int>* stop_flag_ = nullptr;
  int64_t saved_iteration_ = -1;  // the iteration checkpoints/last holds, when this run knows it
};

}  // namespace tessel::train
