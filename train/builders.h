// What a recipe's sections build: the device, the datasets, the model, the optimizer and the
// schedule.
#pragma once

#include <memory>

#include "data/dataset.h"
#include "models/segmentation_model.h"
#include "nn/lr_scheduler.h"
#include "train/config.h"

namespace tessel::train {

// "auto" is the first CUDA device when there is one, else the CPU.
Device resolve_device(const std::string& name);

// The training or validation split the recipe names ("synthetic": generated samples, the
// validation ones from another seed). Checks data.num_classes against the dataset's.
std::unique_ptr<data::Dataset> make_dataset(const Recipe& r, bool train);

// The network for `num_classes`, on the CPU, with model.weights or model.backbone_weights loaded
// (the backbone's summary printed) and model.freeze applied. A network with a pretrained backbone
// and neither key gets a warning that it starts from scratch, unless the run resumes
// (train.resume).
std::shared_ptr<models::SegmentationModel> make_model(const Recipe& r, int64_t num_classes);

// model.freeze: turns requires_grad off for every parameter under each comma-separated module
// path of `paths`, printing what it froze; a path that holds no parameter is an error naming
// `source` (the recipe) and the model's modules.
void freeze(nn::Module& model, const std::string& paths, const std::string& source);

// Parameter groups (no decay on norms and biases, the head's lr multiplier) and the optimizer.
std::unique_ptr<nn::Optimizer> make_optimizer(const Recipe& r, const nn::Module& model);

// The schedule over `total` iterations, behind a warm-up when the recipe asks for one.
std::unique_ptr<nn::LrScheduler> make_scheduler(const Recipe& r, nn::Optimizer& optimizer,
                                                int64_t total);

}  // namespace tessel::train
