// Training recipes: one YAML file says everything a run needs (model, loss, optimizer and its
// parameter groups, schedule, data and augmentations, loop, EMA, evaluation, checkpoints), in the
// spirit of mmsegmentation's and SuperGradients' configs:
//
//   model: {name: fcn_resnet18, output_stride: 8}
//   loss: [{output: out, loss: ce, weight: 1.0}]
//   optimizer: {name: sgd, lr: 0.01, momentum: 0.9, weight_decay: 1.0e-4}
//   data: {format: synthetic, train_augment: [{hflip: {p: 0.5}}]}
//   train: {batch_size: 8, iterations: 300}
//
// Every key has a type and a default (the Recipe's members below). Overrides use dotted keys,
// `optimizer.lr=0.02`, and the value is read as YAML, so `data.train_augment=[{hflip: {}}]` works
// for list-valued keys. An unknown key, or a value of the wrong type, is an error naming the key,
// the file, and the nearest valid keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "data/augment.h"
#include "models/segmentation_model.h"
#include "nn/loss_registry.h"

namespace tessel::train {

struct Recipe {
  std::string source;  // the file it came from, for messages

  struct Model {
    std::string name = "fcn_resnet18";
    bool aux = false;
    int64_t output_stride = 8;
    models::UNetOptions unet;  // model.unet.*, for model.name: unet
    // Safetensors files to start from (at most one; "" for none): `weights` the whole network,
    // strictly (every key, every shape); `backbone_weights` an ImageNet classifier's weights into
    // the backbone only, loading what matches and printing what was loaded, missing and
    // unexpected (models/pretrained.h; tools/convert_weights.py converts PyTorch checkpoints).
    // A run that resumes a checkpoint (train.resume) continues from the checkpoint's weights.
    std::string weights, backbone_weights;
    // Comma-separated module paths ("backbone", "cp.backbone,ffm") whose parameters are not
    // trained (requires_grad off, so neither gradients nor weight decay touch them), as DINOv2's
    // linear evaluation freezes its backbone. BatchNorm statistics under them still update in
    // training mode, as in PyTorch.
    std::string freeze;
  } model;

  // A weighted sum over the model's named outputs (nn::WeightedOutputsLoss).
  std::vector<nn::OutputLoss> loss = {{"out", "ce", 1.0}};

  struct Optimizer {
    std::string name = "sgd";  // sgd, adam, adamw
    double lr = 0.01;
    double momentum = 0.9;
    double weight_decay = 1e-4;
    double beta1 = 0.9, beta2 = 0.999;
    bool no_decay_norm_bias = true;          // no weight decay on norm layers and biases
    std::string head_prefix = "classifier";  // parameters whose names start with it ...
    double head_lr_mult = 1;                 // ... get this lr multiplier
  } optimizer;

  struct Schedule {
    std::string name = "poly";  // poly, cosine, step, constant; counted in iterations
    double power = 0.9;         // poly
    double min_lr = 0;          // poly, cosine
    int64_t step_size = 1000;   // step
    double gamma = 0.1;         // step
    int64_t warmup_iters = 0;
    double warmup_factor = 0.1;  // the lr starts at lr * warmup_factor
  } schedule;

  struct Data {
    std::string format = "synthetic";  // synthetic or a data::open_dataset format
    std::string root;
    std::string train_split, val_split;  // "" is the format's default
    int64_t num_classes = 0;             // 0: the dataset's; else checked against it
    int64_t synthetic_train = 512, synthetic_val = 64, synthetic_size = 64;
    std::vector<data::Step> train_augment, val_augment;  // data::Pipeline steps
    int64_t workers = 2;
    int64_t max_pixels = int64_t(1) << 28;  // images and masks declaring more are refused
  } data;

  struct Train {
    int64_t batch_size = 8;
    int64_t epochs = 0;  // one of epochs and iterations (optimizer steps) is set
    int64_t iterations = 0;
    int64_t accumulate = 1;     // micro-batches per optimizer step
    double clip_grad_norm = 0;  // 0: no clipping
    int64_t max_bad_steps = 5;  // consecutive NaN/Inf steps that stop the run
    int64_t log_interval = 10;
    std::string precision = "f32";
    bool tf32_conv = false;       // f32 convolutions on tensor cores in TF32 (CUDA only)
    std::string device = "auto";  // auto (CUDA when present), cpu, cuda, cuda:N
    int64_t seed = 0;
    std::string output_dir = "runs/run";
    // A checkpoint directory to continue from, or "auto": <output_dir>/checkpoints/last when it
    // exists, else a fresh start (a run stopped by SIGINT/SIGTERM leaves its checkpoint there).
    std::string resume;
    // Data-parallel runs (launched by tessel-run, torchrun, mpirun or srun; see README):
    bool sync_bn = false;                 // BatchNorm statistics over the global batch
    bool find_unused_parameters = false;  // parameters without a gradient count as zero
    double dist_timeout = 300;            // seconds a rank waits for the others
  } train;

  struct Ema {
    bool enabled = false;
    double decay = 0.999;
    double warmup_tau = 200;
  } ema;

  struct Eval {
    int64_t interval = 0;  // iterations between evaluations; 0: at the end only
    int64_t batch_size = 8;
    int64_t overlays = 4;  // validation images drawn with truth and prediction at each evaluation
  } eval;

  struct Checkpoint {
    std::string metric = "mIoU";  // mIoU, mDice, mAcc, aAcc, fwIoU: higher is better
    int64_t keep_best = 1;
    // At the end, average the weights of the kept best checkpoints (their EMA weights when EMA
    // is on) into checkpoints/average, and evaluate the average.
    bool average_best = false;
  } checkpoint;

  struct EarlyStopping {
    int64_t patience = 0;  // evaluations without a better metric; 0: off
  } early_stopping;
};

// Reads `path`, applies `overrides` ("key.sub=value", in order) and validates the result.
Recipe load_recipe(const std::string& path, const std::vector<std::string>& overrides = {});
// The same from YAML text; `origin` names it in errors.
Recipe parse_recipe(const std::string& text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

// The recipe as YAML that parse_recipe reads back to the same recipe: every key with its value,
// defaults included, in schema order. Runs keep it as <output_dir>/recipe.yaml.
std::string recipe_yaml(const Recipe& recipe);

// Every dotted key a recipe may set, in schema order.
std::vector<std::string> recipe_keys();

// The autocast dtype of a precision ("f32": none, "bf16", "f16") on `device`; mixed precision
// needs a CUDA device (the CPU backend computes in f32/f64). `what` names the setting in errors.
std::optional<DType> autocast_for(const std::string& precision, Device device,
                                  const std::string& what);

}  // namespace tessel::train
