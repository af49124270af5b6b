// tessel-predict: label maps for images. Each input file, or every image in an input folder,
// gives OUT/<stem>.png, a palette PNG of the class indices, and with --overlay
// OUT/<stem>_overlay.png, the image with the class colours blended in. Exit code 0 on success,
// 2 on a wrong command line or an unreadable input.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "data/image_io.h"
#include "engine/ops.h"
#include "train/cli.h"
#include "train/plots.h"

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: tessel-predict --weights PATH INPUT... --out DIR [--model NAME] [--classes N]\n"
    "                      [--palette voc] [--overlay] [--device cpu|cuda]\n"
    "                      [--sliding WxH:SxS] [--scales 0.75,1,1.25] [--flip] [--max-pixels N]\n"
    "  INPUT       image files, or folders whose .png/.jpg/.jpeg files are all read\n"
    "  --weights   a .safetensors file or a checkpoint directory holding model.safetensors\n"
    "  --model, --classes  needed for weights that do not name them (a trainer checkpoint does)\n"
    "  --max-pixels  refuse images declaring more pixels (default 268435456)\n";

bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return c | 0x20; });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<fs::path> input_files(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const std::string& in : inputs) {
    TESSEL_CHECK(fs::exists(in), "input ", in, " does not exist");
    if (!fs::is_directory(in)) {
      files.emplace_back(in);
      continue;
    }
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(in))
      if (e.is_regular_file() && is_image(e.path())) found.push_back(e.path());
    TESSEL_CHECK(!found.empty(), "input folder ", in, " holds no .png or .jpg image");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessel;
  try {
    train::CommandLine cl(argc, argv,
                          {"--model", "--classes", "--weights", "--out", "--palette", "--device",
                           "--sliding", "--scales", "--max-pixels"},
                          {"--overlay", "--flip"});
    if (cl.help()) {
      std::cout << kUsage;
      return 0;
    }
    TESSEL_CHECK(!cl.positional().empty(), "no INPUT given: name image files or folders");
    TESSEL_CHECK(cl.get("--palette", "voc") == "voc", "--palette ", cl.get("--palette", ""),
                 ": the only palette is voc");
    train::apply_max_pixels(cl);
    const Device device = train::parse_device(cl.get("--device", ""));
    const train::InferenceOptions inference = train::parse_inference(cl);
    const fs::path out = cl.required("--out");
    fs::create_directories(out);

    const train::LoadedModel loaded = train::load_model(cl, device);
    const std::vector<data::Rgb> palette = data::voc_palette();
    for (const fs::path& file : input_files(cl.positional())) {
      const data::Image image = data::read_image(file.string());
      Tensor logits = train::infer_logits(
          *loaded.model, train::image_batch(image, loaded.normalize, device), inference);
      const data::Mask mask{image.height, image.width,
                            train::argmax_labels(logits).to(kCPU).to_vector<uint8_t>()};
      const std::string stem = file.stem().string();
      data::write_palette_png((out / (stem + ".png")).string(), mask, palette);
      if (cl.has("--overlay"))
        data::write_png((out / (stem + "_overlay.png")).string(),
                        train::overlay(image, mask, palette));
      std::cout << file.string() << " -> " << (out / (stem + ".png")).string() << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tessel-predict: " << e.what() << "\n(run tessel-predict --help for usage)\n";
    return 2;
  }
}
