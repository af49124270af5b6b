#include "train/trainer.h"

#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "core/json.h"
#include "core/version.h"
#include "data/image_io.h"
#include "engine/autocast.h"
#include "engine/cuda/context.h"
#include "engine/ops/confusion.h"
#include "engine/ops/random.h"
#include "nn/file.h"
#include "train/builders.h"
#include "train/cli.h"
#include "train/inference.h"
#include "train/plots.h"
#include "train/report.h"

namespace tessel::train {
namespace fs = std::filesystem;
namespace {

// env.json: what a run ran on, for whoever compares runs later.
std::string environment_json(const Recipe& r, Device device, const std::string& resumed_from) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const std::time_t now = std::time(nullptr);
  char started[32];
  std::strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const char* omp = std::getenv("OMP_NUM_THREADS");
  Json env = {{"tessel_version", version()},
              {"git_commit", *git_commit() ? Json(git_commit()) : Json()},
              {"built_with_cuda", bool(TESSEL_WITH_CUDA)},
              {"device", device.str()},
              {"device_name", device.is_cuda() ? cuda::device_name(device.index) : "cpu"},
              {"cuda_devices", cuda::device_count()},
              {"cpu_threads", std::thread::hardware_concurrency()},
              {"omp_num_threads", omp ? Json(omp) : Json()},
              {"host", host},
              {"started_utc", started},
              {"recipe", r.source},
              {"resumed_from", resumed_from.empty() ? Json() : Json(resumed_from)}};
  return env.dump(2) + "\n";
}

void write_text_atomically(const std::string& path, const std::string& text) {
  nn::write_text_atomically(path, text, "Trainer");
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string checkpoint_name(int64_t iteration) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "iter_%06lld", (long long)iteration);
  return buf;
}

double metric_value(const SegmentationMetrics& m, const std::string& name) {
  std::optional<double> v = name == "mIoU"    ? m.mean_iou.value
                            : name == "mDice" ? m.mean_dice.value
                            : name == "mAcc"  ? m.mean_accuracy.value
                            : name == "aAcc"  ? m.pixel_accuracy
                                              : m.fw_iou;
  return v.value_or(0);
}

// The recipe's device; a data-parallel rank on CUDA takes cuda:LOCAL_RANK.
Device choose_device(const Recipe& r, const dist::LaunchEnv& env) {
  Device d = resolve_device(r.train.device);
  if (env.distributed() && d.is_cuda()) d = cuda_device(env.local_rank);
  return d;
}

data::LoaderOptions loader_options(const Recipe& r, Device device, bool train,
                                   const dist::LaunchEnv& env, bool sharded = true) {
  data::LoaderOptions o;
  if (sharded) {
    o.rank = env.rank;
    o.world_size = env.world_size;
    o.even_shards = train;  // training ranks step together; evaluation sees each image once
  }
  o.batch_size = train ? r.train.batch_size : r.eval.batch_size;
  o.workers = r.data.workers;
  o.shuffle = o.drop_last = train;
  o.seed = uint64_t(r.train.seed);
  o.device = device;
  o.mask_dtype = DType::I64;
  return o;
}

}  // namespace

Trainer::Trainer(Recipe recipe)
    : recipe_(std::move(recipe)),
      env_(dist::read_launch_env()),
      device_(choose_device(recipe_, env_)) {
  const Recipe& r = recipe_;
  if (env_.distributed()) {
    const std::chrono::milliseconds timeout(int64_t(r.train.dist_timeout * 1000));
    store_ = dist::rendezvous(env_, timeout);
    group_ = dist::new_group(store_, env_, device_, {.timeout = timeout});
  }
  manual_seed(uint64_t(r.train.seed));           // the model's initialisation
  data::set_decode_limits({r.data.max_pixels});  // before any image is read
  train_set_ = make_dataset(r, true);
  val_set_ = make_dataset(r, false);
  const data::ClassInfo& classes = train_set_->classes();
  model_ = make_model(r, classes.num_classes());
  model_->to(device_);
  nn::LossConfig loss_config;
  loss_config.ignore_index = classes.ignore_index;
  loss_ = nn::WeightedOutputsLoss::from_description(r.loss, loss_config);
  loss_->to(device_);
  loader_ = std::make_unique<data::Loader>(*train_set_,
                                           data::Pipeline::from_description(r.data.train_augment),
                                           loader_options(r, device_, true, env_));
  int64_t per_epoch = loader_->batches_per_epoch() / r.train.accumulate;
  TESSEL_CHECK(r.train.iterations > 0 || per_epoch > 0, r.source, ": the training set (",
               train_set_->size(), " samples) is smaller than one step of ", r.train.accumulate,
               " x ", r.train.batch_size);
  total_ = r.train.iterations > 0 ? r.train.iterations : r.train.epochs * per_epoch;
  if (group_) {  // before the optimizer and EMA see the weights: rank 0's go to every rank
    if (r.train.sync_bn) nn::convert_sync_batchnorm(*model_, group_);
    ddp_ = std::make_unique<nn::DistributedDataParallel>(
        model_, group_, nn::DdpOptions{.find_unused_parameters = r.train.find_unused_parameters});
  }
  optimizer_ = make_optimizer(r, *model_);
  scheduler_ = make_scheduler(r, *optimizer_, total_);
  if (r.ema.enabled) ema_.emplace(*model_, nn::EmaOptions{r.ema.decay, r.ema.warmup_tau});
  autocast_ = autocast_for(r.train.precision, device_, r.source + ": train.precision");
  TESSEL_CHECK(!r.train.tf32_conv || device_.is_cuda(), r.source,
               ": train.tf32_conv needs a CUDA device, and this run is on ", device_);
  if (device_.is_cuda()) cuda::set_conv_tf32(r.train.tf32_conv);
  if (autocast_ == DType::F16) scaler_.emplace();
}

Trainer::~Trainer() = default;

void Trainer::barrier() {
  if (group_) group_->barrier()->wait();
}

double Trainer::all_ranks(double value, dist::ReduceOp op) {
  if (!group_) return value;
  Tensor t = full({1}, value, {DType::F64, device_});
  group_->allreduce(t, op)->wait();
  return t.item();
}

CheckpointParts Trainer::parts() {
  const Recipe& r = recipe_;
  progress_.world_size = env_.world_size;
  nn::Metadata meta = {{"model", r.model.name},
                       {"num_classes", std::to_string(train_set_->classes().num_classes())},
                       {"aux", r.model.aux ? "true" : "false"},
                       {"output_stride", std::to_string(r.model.output_stride)},
                       {"iteration", std::to_string(progress_.iteration)}};
  // The tools read these to build the model and normalise its inputs as training did.
  if (r.model.name == "unet") meta.merge(unet_metadata(r.model.unet));
  meta.merge(
      normalize_metadata(data::Pipeline::from_description(recipe_.data.val_augment).normalize()));
  return {
      *model_,   *optimizer_, *scheduler_, ema_ ? &*ema_ : nullptr, scaler_ ? &*scaler_ : nullptr,
      progress_, meta};
}

std::optional<data::Batch> Trainer::next_batch() {
  std::optional<data::Batch> batch = loader_->next();
  if (batch) return batch;
  int64_t epoch = loader_->state().epoch;
  if (callbacks_.on_epoch) callbacks_.on_epoch(epoch);
  loader_->start_epoch(epoch + 1);
  return loader_->next();
}

bool Trainer::train_step() {
  const Recipe::Train& t = recipe_.train;
  double loss_sum = 0;
  for (int64_t micro = 0; micro < t.accumulate; ++micro) {
    std::optional<data::Batch> batch = next_batch();
    TESSEL_CHECK(batch.has_value(), recipe_.source, ": the training loader gave no batch");
    // Gradients are averaged over ranks once per step, in the last micro-batch's backward.
    std::optional<nn::DistributedDataParallel::NoSync> local_only;
    if (ddp_ && micro + 1 < t.accumulate) local_only.emplace(*ddp_);
    Tensor loss;
    {
      AutocastGuard autocast(autocast_);
      std::map<std::string, Tensor> outputs;
      for (auto& [name, y] : model_->forward_outputs(batch->images)) outputs[name] = y;
      loss = loss_->forward(outputs, batch->masks);
    }
    if (t.accumulate > 1) loss = loss * (1.0 / double(t.accumulate));  // gradients average
    (scaler_ ? scaler_->scale(loss) : loss).backward();
    loss_sum += loss.item();
  }
  // Every rank logs, and decides on a NaN loss, from the same number.
  loss_sum = all_ranks(loss_sum, dist::ReduceOp::Avg);
  if (scaler_) scaler_->unscale_(model_->parameters());
  // The norm is needed anyway to catch a NaN/Inf gradient; without clipping it scales by 1.
  double max_norm =
      t.clip_grad_norm > 0 ? t.clip_grad_norm : std::numeric_limits<double>::infinity();
  double norm = nn::clip_grad_norm_(model_->parameters(), max_norm).item();
  last_loss_ = loss_sum;
  if (scaler_ && std::isfinite(loss_sum) && !std::isfinite(norm)) {
    // An f16 overflow under a scale that is too large: expected now and then, not a bad step.
    optimizer_->zero_grad();
    scaler_->update(true);
    return false;
  }
  if (!std::isfinite(loss_sum) || !std::isfinite(norm)) {
    optimizer_->zero_grad();
    ++progress_.bad_steps;
    console_->warn(detail::str_cat("iteration ", progress_.iteration + 1, ": loss ", loss_sum,
                                   ", gradient norm ", norm, ": step skipped\n"));
    TESSEL_CHECK(progress_.bad_steps < t.max_bad_steps, recipe_.source, ": ", progress_.bad_steps,
                 " steps in a row had a NaN or Inf loss or gradient (",
                 "train.max_bad_steps); stopping. Lower optimizer.lr, set train.clip_grad_norm, ",
                 "or check the data.");
    return false;
  }
  progress_.bad_steps = 0;
  if (scaler_) scaler_->update(false);
  optimizer_->step();
  optimizer_->zero_grad();
  if (ema_) ema_->update(*model_);
  return true;
}

ConfusionCounts Trainer::evaluate(bool use_ema, bool sharded) {
  const bool swap = ema_ && use_ema;
  if (swap) ema_->swap(*model_);
  model_->eval();
  NoGradGuard no_grad;
  const data::ClassInfo& classes = val_set_->classes();
  ConfusionMatrix cm(classes.num_classes(), device_, classes.ignore_index);
  data::Loader loader(*val_set_, data::Pipeline::from_description(recipe_.data.val_augment),
                      loader_options(recipe_, device_, false, env_, sharded));
  loader.start_epoch(0);
  AutocastGuard autocast(autocast_);
  ProgressMeter progress("evaluating images", int64_t(val_set_->size()),
                         [&](const std::string& line) { console_->info(line); });
  while (std::optional<data::Batch> batch = loader.next()) {
    cm.update(infer_logits(*model_, batch->images), batch->masks);
    progress.advance(batch->images.size(0));
  }
  model_->train();
  if (swap) ema_->swap(*model_);
  ConfusionCounts counts = cm.read();
  if (sharded && group_) {  // integer counts: the sum is exactly one process's
    Tensor all = from_vector(counts.counts, {int64_t(counts.counts.size())}, {DType::I64, device_});
    group_->allreduce(all, dist::ReduceOp::Sum)->wait();
    counts.counts = all.to_vector<int64_t>();
  }
  return counts;
}

void Trainer::average_best(TrainResult& result) {
  const fs::path dir = fs::path(recipe_.train.output_dir) / "checkpoints";
  // The weights each evaluation scored.
  const char* file = ema_ ? "ema.safetensors" : "model.safetensors";
  const nn::NamedTensors order = nn::parameters_and_buffers(*model_);
  std::vector<nn::NamedTensors> dicts;
  for (const auto& [iteration, score] : progress_.best) {
    const std::string path = (dir / checkpoint_name(iteration) / file).string();
    std::map<std::string, Tensor> stored;
    for (const auto& [name, t] : nn::read_safetensors(path).tensors) stored[name] = t;
    nn::NamedTensors dict;  // in the model's order, as nn::Ema follows it
    for (const auto& [name, t] : order) {
      TESSEL_CHECK(stored.count(name), path, " has no tensor '", name, "' of the model");
      dict.emplace_back(name, stored.at(name));
    }
    dicts.push_back(std::move(dict));
  }
  nn::Ema current(order);  // the model's own weights, put back below
  nn::Ema(nn::average_state_dicts(dicts)).copy_to(*model_);
  SegmentationMetrics m = segmentation_metrics(evaluate(false, false));
  result.average_checkpoint = (dir / "average").string();
  write_directory_atomically(result.average_checkpoint, [&](const std::string& tmp) {
    nn::save_state_dict(tmp + "/model.safetensors", *model_, parts().metadata);
  });
  current.copy_to(*model_);
  result.average_score = metric_value(m, recipe_.checkpoint.metric);
  console_->info(detail::str_cat("average of the best ", progress_.best.size(), " checkpoints (",
                                 result.average_checkpoint, "):\n",
                                 metrics_table(m, val_set_->classes().names)));
}

std::vector<std::string> Trainer::write_eval_plots(const std::string& dir,
                                                   const ConfusionCounts& counts) {
  std::vector<std::string> overlay_pngs;
  fs::create_directories(dir);
  const data::ClassInfo& classes = val_set_->classes();
  write_confusion_png((fs::path(dir) / "confusion.png").string(), counts);
  write_text_atomically((fs::path(dir) / "confusion.svg").string(),
                        confusion_svg(counts, classes.names));
  write_text_atomically((fs::path(dir) / "confusion.csv").string(),
                        confusion_csv(counts, classes.names));
  const data::Pipeline pipeline = data::Pipeline::from_description(recipe_.data.val_augment);
  if (ema_) ema_->swap(*model_);
  int64_t n = std::min(recipe_.eval.overlays, int64_t(val_set_->size()));
  for (int64_t i = 0; i < n; ++i) {
    data::Sample sample = val_set_->get(size_t(i));
    data::Rng rng(uint64_t(recipe_.train.seed), 0, uint64_t(i));  // as the validation loader's
    pipeline.apply(sample, rng);
    Tensor logits;
    {
      AutocastGuard autocast(autocast_);
      logits = infer_logits(*model_, image_batch(sample.image, pipeline.normalize(), device_));
    }
    data::Mask predicted{sample.image.height, sample.image.width,
                         argmax_labels(logits).to(kCPU).to(DType::U8).to_vector<uint8_t>()};
    // Target | prediction, large enough to see: at least 256 pixels on the short side.
    const data::Image pair =
        upscale_nearest(side_by_side(overlay(sample.image, sample.mask, classes.colours),
                                     overlay(sample.image, predicted, classes.colours)));
    const std::string name = "sample_" + std::to_string(i);
    // Encoded once: the same bytes go to the file, TensorBoard and the report.
    const std::vector<uint8_t> png = data::encode_png(pair, name);
    overlay_pngs.emplace_back(png.begin(), png.end());
    write_text_atomically((fs::path(dir) / (name + ".png")).string(), overlay_pngs.back());
    events_->add_image("val/" + name, {pair.height, pair.width, 3, overlay_pngs.back()},
                       progress_.iteration);
  }
  events_->flush();
  model_->train();
  if (ema_) ema_->swap(*model_);
  return overlay_pngs;
}

void Trainer::write_report(const SegmentationMetrics& m, const ConfusionCounts& counts,
                           std::vector<std::string> overlay_pngs) {
  const Recipe& r = recipe_;
  ReportPage page;
  page.title = r.model.name + " on " + r.data.format +
               (r.data.root.empty() ? std::string() : " (" + r.data.root + ")");
  page.status =
      detail::str_cat("iteration ", progress_.iteration, " of ", total_, " on ", device_.str(),
                      "; ", r.source, "; latest evaluation: ", r.checkpoint.metric, " ",
                      metric_value(m, r.checkpoint.metric) * 100, "%");
  page.metrics_csv = csv_->path();
  page.eval_iteration = progress_.iteration;
  page.metrics = m;
  page.counts = counts;
  page.overlay_pngs = std::move(overlay_pngs);
  // The best evaluation's table and pictures, read back from its folder when it is an earlier
  // one (a resumed run has only the files).
  if (!progress_.best.empty() && progress_.best.front().first != progress_.iteration) {
    const int64_t best = progress_.best.front().first;
    const fs::path dir = fs::path(r.train.output_dir) / "eval" / checkpoint_name(best);
    try {
      page.counts = read_confusion_csv((dir / "confusion.csv").string(), counts.num_classes);
      page.metrics = segmentation_metrics(page.counts);
      page.eval_iteration = best;
      page.overlay_pngs.clear();
      for (int64_t i = 0; fs::exists(dir / ("sample_" + std::to_string(i) + ".png")); ++i) {
        std::ifstream in(dir / ("sample_" + std::to_string(i) + ".png"), std::ios::binary);
        page.overlay_pngs.emplace_back(std::istreambuf_iterator<char>(in),
                                       std::istreambuf_iterator<char>());
      }
    } catch (const Error& e) {  // its files are gone: show the latest evaluation instead
      console_->warn(std::string("report.html shows the latest evaluation: ") + e.what() + "\n");
      page.eval_iteration = progress_.iteration, page.metrics = m, page.counts = counts;
    }
  }
  page.class_names = val_set_->classes().names;
  page.class_colours = val_set_->classes().colours;
  page.metric = r.checkpoint.metric;
  page.best = progress_.best;
  page.recipe_yaml = recipe_yaml(r);
  write_text_atomically((fs::path(r.train.output_dir) / "report.html").string(), report_html(page));
}

void Trainer::log_scalar(const std::string& name, double value) {
  if (!writes()) return;
  csv_->log(progress_.iteration, name, value);
  events_->add_scalar(name, value, progress_.iteration);
}

bool Trainer::evaluate_and_checkpoint(TrainResult& result) {
  const Recipe& r = recipe_;
  ConfusionCounts counts = evaluate();
  SegmentationMetrics m = segmentation_metrics(counts);
  double score = metric_value(m, r.checkpoint.metric);
  console_->info(detail::str_cat("evaluation at iteration ", progress_.iteration,
                                 ema_ ? " (EMA weights)" : "", ":\n",
                                 metrics_table(m, val_set_->classes().names)));
  log_scalar("val/mIoU", m.mean_iou.value.value_or(0));
  log_scalar("val/mDice", m.mean_dice.value.value_or(0));
  log_scalar("val/mAcc", m.mean_accuracy.value.value_or(0));
  log_scalar("val/aAcc", m.pixel_accuracy.value_or(0));
  for (size_t c = 0; c < m.iou.size(); ++c)
    if (m.iou[c]) log_scalar("val/IoU/" + val_set_->classes().names[c], *m.iou[c]);
  result.plots =
      (fs::path(r.train.output_dir) / "eval" / checkpoint_name(progress_.iteration)).string();

  // The best list, best first; ties keep the earlier checkpoint.
  auto& best = progress_.best;
  bool improved = best.empty() || score > best.front().second;
  progress_.stale_evals = improved ? 0 : progress_.stale_evals + 1;
  best.emplace_back(progress_.iteration, score);
  std::stable_sort(best.begin(), best.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (int64_t(best.size()) > r.checkpoint.keep_best) best.resize(size_t(r.checkpoint.keep_best));

  std::string written =
      (fs::path(r.train.output_dir) / "checkpoints" / checkpoint_name(progress_.iteration))
          .string();
  if (writes()) {
    events_->flush();
    write_report(m, counts, write_eval_plots(result.plots, counts));
    save_last_checkpoint(result);
  }
  barrier();  // the checkpoint is complete before any rank goes on (or resumes from it)
  saved_iteration_ = progress_.iteration;
  result.last_checkpoint = (fs::path(r.train.output_dir) / "checkpoints" / "last").string();
  result.metrics = m;
  result.score = score;
  result.best_score = best.front().second;
  result.best_checkpoint = (fs::path(r.train.output_dir) / "checkpoints" / "best").string();
  if (callbacks_.on_eval) callbacks_.on_eval({progress_.iteration, m, score, improved, written});
  int64_t patience = r.early_stopping.patience;
  if (patience > 0 && progress_.stale_evals >= patience) {
    console_->info(detail::str_cat("early stopping: ", r.checkpoint.metric,
                                   " has not improved for ", patience, " evaluations\n"));
    result.early_stopped = true;
    return false;
  }
  return true;
}

std::string Trainer::save_last_checkpoint(TrainResult& result) {
  const auto& best = progress_.best;
  fs::path dir = fs::path(recipe_.train.output_dir) / "checkpoints";
  std::string name = checkpoint_name(progress_.iteration);
  progress_.loader = loader_->state();
  // Whole or not at all: the directory appears by rename, then `last` moves by rename, so a
  // process killed anywhere in here leaves `last` naming the previous complete checkpoint.
  save_checkpoint((dir / name).string(), parts());
  point_link((dir / "last").string(), name);
  if (!best.empty()) point_link((dir / "best").string(), checkpoint_name(best.front().first));
  std::set<std::string> keep = {name, "last", "best"};
  for (const auto& b : best) keep.insert(checkpoint_name(b.first));
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().starts_with("iter_") &&
        !keep.count(entry.path().filename().string()))
      fs::remove_all(entry.path());
  saved_iteration_ = progress_.iteration;
  result.last_checkpoint = (dir / "last").string();
  return (dir / name).string();
}

TrainResult Trainer::run() {
  const Recipe& r = recipe_;
  TrainResult result;
  result.output_dir = r.train.output_dir;
  if (writes()) fs::create_directories(r.train.output_dir);
  const fs::path last = fs::path(r.train.output_dir) / "checkpoints" / "last";
  std::string resume = r.train.resume;
  if (resume == "auto") resume = fs::exists(last) ? last.string() : "";
  const auto stop_signal = [&] { return stop_flag_ ? stop_flag_->load() : 0; };
  bool resuming = !resume.empty();
  TESSEL_CHECK(all_ranks(resuming, dist::ReduceOp::Min) == all_ranks(resuming, dist::ReduceOp::Max),
               r.source, ": some ranks see the checkpoint to resume from (", resume,
               ") and others do not: train.output_dir must be on storage every rank sees");
  console_ = writes() ? std::make_unique<ConsoleLog>(
                            (fs::path(r.train.output_dir) / "train.log").string(), resuming)
                      : std::make_unique<ConsoleLog>();
  if (r.train.resume == "auto" && !resuming)
    console_->info("train.resume=auto: no checkpoint at " + last.string() + "; starting fresh\n");
  if (writes()) {
    write_text_atomically((fs::path(r.train.output_dir) / "env.json").string(),
                          environment_json(r, device_, resume));
    write_text_atomically(
        (fs::path(r.train.output_dir) / "recipe.yaml").string(),
        "# " + r.source + " as this run used it, overrides applied\n" + recipe_yaml(r));
  }
  if (resuming) {
    CheckpointParts p = parts();
    load_checkpoint(resume, p);
    TESSEL_CHECK(progress_.world_size == env_.world_size, resume, " was written by a run of ",
                 progress_.world_size, " rank(s) and this run has ", env_.world_size,
                 ": resume with the same number of ranks (the data order and the batch of a step "
                 "depend on it)");
    loader_->resume(progress_.loader.epoch, progress_.loader.position);
    console_->info(
        detail::str_cat("resumed from ", resume, " at iteration ", progress_.iteration, "\n"));
    std::error_code ec;  // false when `last` does not exist
    if (fs::equivalent(resume, last, ec)) {
      saved_iteration_ = progress_.iteration;
      result.last_checkpoint = last.string();
    }
  } else {
    loader_->start_epoch(0);
  }
  result.csv = (fs::path(r.train.output_dir) / "metrics.csv").string();
  result.tensorboard = (fs::path(r.train.output_dir) / "tensorboard").string();
  if (writes()) {
    csv_ = std::make_unique<CsvLog>(result.csv, resuming);
    events_ = std::make_unique<EventWriter>(result.tensorboard);
  }
  const int64_t ranks = env_.world_size;
  console_->info(detail::str_cat(
      "training ", r.model.name, " on ", device_.str(), ": ", total_, " iterations of ",
      r.train.accumulate, " x ", r.train.batch_size, " images",
      ranks > 1
          ? detail::str_cat(" on each of ", ranks, " ranks (", group_->backend(), "; global batch ",
                            ranks * r.train.accumulate * r.train.batch_size, ")")
          : std::string(),
      ", ", train_set_->classes().num_classes(), " classes\n"));

  model_->train();
  auto start = Clock::now(), window = start;
  int64_t start_iteration = progress_.iteration, window_iteration = start_iteration;
  bool keep_going = true;
  // Every rank stops at the same iteration: requests and signals are agreed on.
  const auto stopping = [&] {
    if (!group_) return stop_requested_ || stop_signal() != 0;
    stop_requested_ = all_ranks(stop_requested_, dist::ReduceOp::Max) > 0;
    return stop_requested_ || all_ranks(stop_signal(), dist::ReduceOp::Max) != 0;
  };
  while (progress_.iteration < total_ && keep_going && !stopping()) {
    double lr = optimizer_->param_groups().front().options.lr;
    bool stepped = train_step();
    scheduler_->step();
    ++progress_.iteration;
    int64_t it = progress_.iteration;
    int64_t epoch = loader_->state().epoch;
    if (callbacks_.on_step) callbacks_.on_step({it, total_, epoch, last_loss_, lr, !stepped});
    if (it % r.train.log_interval == 0 || it == total_) {
      double images =
          double((it - window_iteration) * r.train.accumulate * r.train.batch_size * ranks);
      double rate = images / std::max(seconds_since(window), 1e-9);
      double eta = double(total_ - it) * seconds_since(start) / double(it - start_iteration);
      console_->info(format_progress({it, total_, epoch, last_loss_, lr, rate, eta, device_}) +
                     "\n");
      log_scalar("train/loss", last_loss_);
      log_scalar("train/lr", lr);
      log_scalar("train/images_per_s", rate);
      if (scaler_) log_scalar("train/loss_scale", scaler_->scale_value());
      window = Clock::now();
      window_iteration = it;
    }
    if (r.eval.interval > 0 && it % r.eval.interval == 0 && it < total_)
      keep_going = evaluate_and_checkpoint(result);
  }
  const int stop = group_ ? int(all_ranks(stop_signal(), dist::ReduceOp::Max)) : stop_signal();
  if (stop && keep_going) {
    // At an iteration boundary, so the checkpoint continues the run exactly; evaluating is left
    // to the resumed run. When `last` already holds this iteration (stopped right after an
    // evaluation, or before the first iteration of a resumed run), it is not written again: a
    // pre-empted job may have little time left.
    if (saved_iteration_ != progress_.iteration && writes()) save_last_checkpoint(result);
    if (writes()) events_->flush();
    barrier();
    result.last_checkpoint = last.string();
    result.stopped_by = stop;
  } else {
    if (keep_going) evaluate_and_checkpoint(result);
    // Rank 0 averages and evaluates the average alone.
    if (r.checkpoint.average_best && progress_.best.size() > 1 && writes()) average_best(result);
    barrier();
  }
  result.iterations = progress_.iteration;
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace tessel::train
