// tessel-eval: a trained model's metrics on a dataset split (confusion matrix over every pixel,
// then per-class IoU, Dice, recall and precision and their means). Exit code 0 on success, 2 when
// the command line, the weights or the dataset are wrong.
#include <iostream>

#include "data/open_dataset.h"
#include "engine/ops.h"
#include "train/cli.h"
#include "train/metrics.h"
#include "train/plots.h"

namespace {

constexpr const char* kUsage =
    "usage: tessel-eval --weights PATH --dataset FORMAT --root DIR [--model NAME] [--classes N]\n"
    "                   [--split S] [--sliding WxH:SxS] [--scales 0.75,1,1.25] [--flip]\n"
    "                   [--device cpu|cuda] [--confusion FILE.png] [--max-pixels N]\n"
    "  --weights   a .safetensors file or a checkpoint directory holding model.safetensors\n"
    "  --model, --classes  needed for weights that do not name them (a trainer checkpoint does)\n"
    "  --sliding   windows of WxH every SxS pixels instead of whole images\n"
    "  --scales    multi-scale test-time augmentation; --flip adds horizontal flips\n"
    "  --max-pixels  refuse images and masks declaring more pixels (default 268435456)\n"
    "  images are normalised as the checkpoint's recipe did (ImageNet's mean and std when the\n"
    "  weights do not say)\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace tessel;
  try {
    train::CommandLine cl(argc, argv,
                          {"--model", "--classes", "--weights", "--dataset", "--root", "--split",
                           "--sliding", "--scales", "--device", "--confusion", "--max-pixels"},
                          {"--flip"});
    if (cl.help()) {
      std::cout << kUsage << "formats:";
      for (const std::string& f : data::dataset_formats()) std::cout << " " << f;
      std::cout << "\n";
      return 0;
    }
    TESSEL_CHECK(cl.positional().empty(), "unexpected argument ", cl.positional().front());
    train::apply_max_pixels(cl);
    const Device device = train::parse_device(cl.get("--device", ""));
    const train::InferenceOptions inference = train::parse_inference(cl);
    const train::LoadedModel loaded = train::load_model(cl, device);
    const int64_t classes = loaded.num_classes;
    auto dataset =
        data::open_dataset(cl.required("--dataset"), cl.required("--root"), cl.get("--split", ""));
    TESSEL_CHECK(dataset->classes().num_classes() == classes, "the dataset has ",
                 dataset->classes().num_classes(), " classes but --classes is ", classes);
    ConfusionMatrix cm(classes, device, dataset->classes().ignore_index);
    for (size_t i = 0; i < dataset->size(); ++i) {
      const data::Sample s = dataset->get(i);
      Tensor logits = train::infer_logits(
          *loaded.model, train::image_batch(s.image, loaded.normalize, device), inference);
      Tensor target = from_vector(s.mask.labels, {1, s.mask.height, s.mask.width}, DType::U8);
      cm.update(logits, target.to(device));
    }
    const ConfusionCounts counts = cm.read();
    std::cout << dataset->size() << " images\n"
              << train::metrics_table(train::segmentation_metrics(counts),
                                      dataset->classes().names);
    if (cl.has("--confusion")) {
      train::write_confusion_png(cl.get("--confusion", ""), counts);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tessel-eval: " << e.what() << "\n(run tessel-eval --help for usage)\n";
    return 2;
  }
}
