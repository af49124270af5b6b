// The flags of the tools that run a model (tessel-eval, tessel-predict, tessel-bench): the
// device, the model and its weights, and how to infer. Values are checked as they are parsed
// (exit 2); what needs the machine or the files (is there a GPU, do the weights exist and agree
// with the flags) is checked when the tool resolves them (exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "train/cli.h"

namespace tessel::tools {

// --device cpu|cuda|cuda:N; absent, the GPU when there is one, else the CPU.
struct DeviceFlag {
  std::string text;
  void add(CLI::App& app);
  Device resolve() const { return train::parse_device(text); }
};

// --weights (required unless `weights_required` is false), --model and --classes: a checkpoint
// names its model and classes, plain weights need both flags.
struct ModelFlags {
  std::string weights, model;
  int64_t classes = 0;  // 0: from the checkpoint
  void add(CLI::App& app, bool weights_required = true);
  train::LoadedModel load(Device device) const {
    return train::load_model(weights, model, classes, device);
  }
};

// --sliding WxH:SxS, --scales 0.75,1,1.25 and --flip into `options`.
void add_inference_flags(CLI::App& app, train::InferenceOptions& options);

// Accepts the model names of models::create.
CLI::Validator model_name();

}  // namespace tessel::tools
