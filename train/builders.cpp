#include "train/builders.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/strings.h"

#include "data/datasets.h"
#include "data/open_dataset.h"
#include "engine/cuda/caching_allocator.h"
#include "models/pretrained.h"
#include "models/registry.h"
#include "nn/safetensors.h"

namespace tessel::train {

Device resolve_device(const std::string& name) {
  if (name != "auto") return Device(name);
  return cuda::is_available() ? Device("cuda") : kCPU;
}

std::unique_ptr<data::Dataset> make_dataset(const Recipe& r, bool train) {
  const Recipe::Data& d = r.data;
  std::unique_ptr<data::Dataset> set;
  if (d.format == "synthetic") {
    data::SyntheticOptions o;
    o.count = size_t(train ? d.synthetic_train : d.synthetic_val);
    o.height = o.width = d.synthetic_size;
    o.seed = uint64_t(r.train.seed) * 2 + (train ? 0 : 1);  // validation images are never seen
    set = std::make_unique<data::SyntheticDataset>(o);
  } else {
    set = data::open_dataset(d.format, d.root, train ? d.train_split : d.val_split);
  }
  int64_t classes = set->classes().num_classes();
  TESSEL_CHECK(d.num_classes == 0 || d.num_classes == classes, r.source, ": data.num_classes is ",
               d.num_classes, " but the ", d.format, " dataset at '", d.root, "' has ", classes);
  TESSEL_CHECK(set->size() > 0, r.source, ": the ", train ? "training" : "validation",
               " split of the ", d.format, " dataset at '", d.root, "' is empty");
  return set;
}

void freeze(nn::Module& model, const std::string& paths, const std::string& source) {
  std::istringstream list(paths);
  for (std::string path; std::getline(list, path, ',');) {
    path.erase(0, path.find_first_not_of(' '));
    path.erase(path.find_last_not_of(' ') + 1);
    if (path.empty()) continue;
    int64_t tensors = 0, count = 0;
    for (const auto& [name, p] : model.named_parameters())
      if (name.starts_with(path + ".")) {
        Tensor(p).requires_grad_(false);  // a handle to the same parameter
        ++tensors;
        count += p.numel();
      }
    if (tensors == 0) {
      std::vector<std::string> children;
      for (const auto& [name, child] : model.named_children()) children.push_back(name);
      TESSEL_FAIL(source, ": model.freeze: '", path, "' holds no parameter of ", model.type_name(),
                  " (its modules: ", join(children), ")");
    }
    std::printf("model.freeze: %s: %lld tensors, %lld parameters not trained\n", path.c_str(),
                static_cast<long long>(tensors), static_cast<long long>(count));
  }
}

std::shared_ptr<models::SegmentationModel> make_model(const Recipe& r, int64_t num_classes) {
  const Recipe::Model& m = r.model;
  auto model = models::create(m.name, {num_classes, m.aux, m.output_stride, m.unet});
  if (!m.weights.empty()) {
    nn::load_state_dict_file(m.weights, *model, /*strict=*/true);
    std::printf("model.weights: loaded %s\n", m.weights.c_str());
  } else if (!m.backbone_weights.empty()) {
    std::printf("model.backbone_weights: %s\n",
                models::load_backbone_weights(*model, m.backbone_weights).summary().c_str());
  } else if (!model->backbone_paths().empty() && r.train.resume.empty()) {
    std::fprintf(stderr,
                 "warning: %s: no model.backbone_weights: %s's backbone starts from scratch "
                 "(random initialisation), which schedules tuned for ImageNet-pretrained "
                 "backbones do not expect\n",
                 r.source.c_str(), m.name.c_str());
  }
  freeze(*model, m.freeze, r.source);
  return model;
}

std::unique_ptr<nn::Optimizer> make_optimizer(const Recipe& r, const nn::Module& model) {
  const Recipe::Optimizer& o = r.optimizer;
  nn::GroupRules rules;
  if (o.head_lr_mult != 1) rules.lr_mult = {{o.head_prefix, o.head_lr_mult}};
  std::vector<nn::GroupSpec> groups = nn::param_groups_no_decay(model, rules);
  if (!o.no_decay_norm_bias)
    for (nn::GroupSpec& g : groups) g.weight_decay = std::nullopt;
  nn::GroupOptions defaults;
  defaults.lr = o.lr;
  defaults.weight_decay = o.weight_decay;
  defaults.momentum = o.momentum;
  defaults.beta1 = o.beta1;
  defaults.beta2 = o.beta2;
  if (o.name == "sgd") return std::make_unique<nn::SGD>(groups, defaults);
  if (o.name == "adam") return std::make_unique<nn::Adam>(groups, defaults);
  return std::make_unique<nn::AdamW>(groups, defaults);
}

std::unique_ptr<nn::LrScheduler> make_scheduler(const Recipe& r, nn::Optimizer& optimizer,
                                                int64_t total) {
  const Recipe::Schedule& s = r.schedule;
  int64_t length = std::max<int64_t>(1, total - s.warmup_iters);  // the warm-up comes first
  std::unique_ptr<nn::LrScheduler> main;
  if (s.name == "poly")
    main = std::make_unique<nn::PolyLR>(optimizer, length, s.power, s.min_lr);
  else if (s.name == "cosine")
    main = std::make_unique<nn::CosineLR>(optimizer, length, nn::CosineLR::Options{s.min_lr, {}});
  else if (s.name == "step")
    main = std::make_unique<nn::StepLR>(optimizer, s.step_size, s.gamma);
  else
    main = std::make_unique<nn::StepLR>(optimizer, 1, 1.0);  // constant
  if (s.warmup_iters == 0) return main;
  return std::make_unique<nn::WarmupLR>(
      std::move(main), nn::WarmupLR::Options{s.warmup_iters, s.warmup_factor, false});
}

}  // namespace tessel::train
