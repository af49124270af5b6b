// tessel-train RECIPE [key=value ...]: trains what a recipe file describes (train/config.h),
// printing progress and evaluations, and says where the checkpoints and the CSV went.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "train/trainer.h"

using namespace tessel;

namespace {

void usage() {
  std::printf(
      "usage: tessel-train RECIPE [key=value ...]\n\n"
      "Trains a segmentation model as the YAML recipe says. Any recipe key can be overridden,\n"
      "e.g. optimizer.lr=0.02 train.iterations=100 train.device=cpu;\n"
      "train.resume=RUN/checkpoints/last continues a run exactly where it stopped.\n\n"
      "keys:\n");
  for (const std::string& key : train::recipe_keys()) std::printf("  %s\n", key.c_str());
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  std::vector<std::string> overrides(argv + 2, argv + argc);
  train::Trainer trainer(train::load_recipe(argv[1], overrides));
  train::TrainResult r = trainer.run();
  std::printf("done: %lld iterations in %.1f s; %s %.2f%% (best %.2f%%)%s\n",
              (long long)r.iterations, r.seconds, trainer.recipe().checkpoint.metric.c_str(),
              100 * r.score, 100 * r.best_score, r.early_stopped ? ", stopped early" : "");
  std::printf("checkpoints: %s (last), %s (best)\nmetrics: %s\n", r.last_checkpoint.c_str(),
              r.best_checkpoint.c_str(), r.csv.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "tessel-train: %s\n", e.what());
  return 1;
}
