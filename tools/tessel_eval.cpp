// tessel-eval: a trained model's metrics on a dataset split (confusion matrix over every pixel,
// then per-class IoU, Dice, recall and precision and their means). Exit codes: tools/cli/tool.h.
#include <iostream>

#include "data/open_dataset.h"
#include "engine/ops.h"
#include "nn/file.h"
#include "tools/cli/model_flags.h"
#include "tools/cli/tool.h"
#include "train/logger.h"
#include "train/metrics.h"
#include "train/plots.h"

int main(int argc, char** argv) {
  using namespace tessel;
  CLI::App app{
      "A trained model's metrics on a dataset split: per-class IoU, Dice, recall and precision "
      "and their means. Images are normalised as the checkpoint's recipe did (ImageNet's mean "
      "and std when the weights do not say).",
      "tessel-eval"};
  tools::ModelFlags model;
  model.add(app);
  tools::DeviceFlag device_flag;
  device_flag.add(app);
  std::string format, root, split, confusion, json;
  app.add_option("--dataset", format, "the dataset format")
      ->type_name("FORMAT")
      ->required()
      ->check(tools::dataset_format());
  app.add_option("--root", root, "the dataset's folder")->type_name("DIR")->required();
  app.add_option("--split", split, "the split, as the format names it (default: its own)")
      ->type_name("S");
  train::InferenceOptions inference;
  tools::add_inference_flags(app, inference);
  app.add_option("--confusion", confusion,
                 "also write the confusion matrix: an SVG with the class names (FILE.svg) or a "
                 "heat map (FILE.png)")
      ->type_name("FILE.svg|FILE.png");
  app.add_option("--json", json, "also write every metric and the confusion counts as JSON")
      ->type_name("FILE.json");
  tools::add_max_pixels(app, "images and masks");
  return tools::run(app, argc, argv, [&] {
    const Device device = device_flag.resolve();
    const train::LoadedModel loaded = model.load(device);
    const int64_t classes = loaded.num_classes;
    auto dataset = data::open_dataset(format, root, split);
    TESSEL_CHECK(dataset->classes().num_classes() == classes, "the dataset has ",
                 dataset->classes().num_classes(), " classes but the model has ", classes);
    ConfusionMatrix cm(classes, device, dataset->classes().ignore_index);
    train::ProgressMeter progress("evaluating images", int64_t(dataset->size()),
                                  [](const std::string& line) { std::cerr << line; });
    for (size_t i = 0; i < dataset->size(); ++i) {
      const data::Sample s = dataset->get(i);
      Tensor logits = train::infer_logits(
          *loaded.model, train::image_batch(s.image, loaded.normalize, device), inference);
      Tensor target = from_vector(s.mask.labels, {1, s.mask.height, s.mask.width}, DType::U8);
      cm.update(logits, target.to(device));
      progress.advance(1);
    }
    const ConfusionCounts counts = cm.read();
    const std::vector<std::string>& names = dataset->classes().names;
    const train::SegmentationMetrics metrics = train::segmentation_metrics(counts);
    std::cout << dataset->size() << " images\n" << train::metrics_table(metrics, names);
    if (confusion.ends_with(".svg"))
      nn::write_text_atomically(confusion, train::confusion_svg(counts, names), "tessel-eval");
    else if (!confusion.empty())
      train::write_confusion_png(confusion, counts);
    if (!json.empty())
      nn::write_text_atomically(json, train::metrics_json(metrics, counts, names), "tessel-eval");
    return 0;
  });
}
