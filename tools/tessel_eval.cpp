// tessel-eval: a trained model's metrics on a dataset split (confusion matrix over every pixel,
// then per-class IoU, Dice, recall and precision and their means). Exit code 0 on success, 2 when
// the command line, the weights or the dataset are wrong.
#include <iostream>

#include "data/open_dataset.h"
#include "engine/ops.h"
#include "train/cli.h"
#include "train/plots.h"

namespace {

constexpr const char* kUsage =
    "usage: tessel-eval --model NAME --classes N --weights PATH --dataset FORMAT --root DIR\n"
    "                   [--split S] [--sliding WxH:SxS] [--scales 0.75,1,1.25] [--flip]\n"
    "                   [--device cpu|cuda] [--confusion FILE.png]\n"
    "  --weights   a .safetensors file or a checkpoint directory holding model.safetensors\n"
    "  --sliding   windows of WxH every SxS pixels instead of whole images\n"
    "  --scales    multi-scale test-time augmentation; --flip adds horizontal flips\n"
    "  images are normalised with ImageNet's mean and std, as the training recipes do\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace tessel;
  try {
    train::CommandLine cl(argc, argv,
                          {"--model", "--classes", "--weights", "--dataset", "--root", "--split",
                           "--sliding", "--scales", "--device", "--confusion"},
                          {"--flip"});
    if (cl.help()) {
      std::cout << kUsage << "formats:";
      for (const std::string& f : data::dataset_formats()) std::cout << " " << f;
      std::cout << "\n";
      return 0;
    }
    TESSEL_CHECK(cl.positional().empty(), "unexpected argument ", cl.positional().front());
    const int64_t classes = train::parse_int(cl.required("--classes"), "--classes");
    const Device device = train::parse_device(cl.get("--device", ""));
    const train::InferenceOptions inference = train::parse_inference(cl);

    auto model =
        train::load_model(cl.required("--model"), classes, cl.required("--weights"), device);
    auto dataset =
        data::open_dataset(cl.required("--dataset"), cl.required("--root"), cl.get("--split", ""));
    TESSEL_CHECK(dataset->classes().num_classes() == classes, "the dataset has ",
                 dataset->classes().num_classes(), " classes but --classes is ", classes);
    ConfusionMatrix cm(classes, device, dataset->classes().ignore_index);
    for (size_t i = 0; i < dataset->size(); ++i) {
      const data::Sample s = dataset->get(i);
      Tensor logits = train::infer_logits(
          *model, train::image_batch(s.image, train::imagenet_normalize(), device), inference);
      Tensor target = from_vector(s.mask.labels, {1, s.mask.height, s.mask.width}, DType::U8);
      cm.update(logits, target.to(device));
    }
    const ConfusionCounts counts = cm.read();
    std::cout << dataset->size() << " images\n"
              << metrics_table(segmentation_metrics(counts), dataset->classes().names);
    if (cl.has("--confusion")) {
      train::write_confusion_png(cl.get("--confusion", ""), counts);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tessel-eval: " << e.what() << "\n(run tessel-eval --help for usage)\n";
    return 2;
  }
}
