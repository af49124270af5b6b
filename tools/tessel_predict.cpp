// tessel-predict: label maps for images. Each input file, or every image in an input folder,
// gives OUT/<stem>.png, a palette PNG of the class indices, and with --overlay
// OUT/<stem>_overlay.png, the image with the class colours blended in. Exit codes:
// tools/cli/tool.h.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "data/image_io.h"
#include "engine/ops.h"
#include "tools/cli/model_flags.h"
#include "tools/cli/tool.h"
#include "train/plots.h"

namespace {

namespace fs = std::filesystem;

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
  CLI::App app{
      "Label maps for images: OUT/<stem>.png, a palette PNG of the class indices, and "
      "with --overlay OUT/<stem>_overlay.png, the image with the class colours blended in.",
      "tessel-predict"};
  std::vector<std::string> inputs;
  app.add_option("INPUT", inputs,
                 "image files, or folders whose .png/.jpg/.jpeg files are all read")
      ->required();
  tools::ModelFlags model;
  model.add(app);
  std::string out_dir, palette = "voc";
  bool overlay = false;
  app.add_option("--out", out_dir, "the folder the label maps go to")->type_name("DIR")->required();
  app.add_option("--palette", palette, "the class colours (default: voc)")
      ->check(CLI::IsMember({"voc"}));
  app.add_flag("--overlay", overlay, "also write the images with the class colours blended in");
  tools::DeviceFlag device_flag;
  device_flag.add(app);
  train::InferenceOptions inference;
  tools::add_inference_flags(app, inference);
  tools::add_max_pixels(app, "images");
  return tools::run(app, argc, argv, [&] {
    const Device device = device_flag.resolve();
    const fs::path out = out_dir;
    fs::create_directories(out);
    const train::LoadedModel loaded = model.load(device);
    const std::vector<data::Rgb> colours = data::voc_palette();
    for (const fs::path& file : input_files(inputs)) {
      const data::Image image = data::read_image(file.string());
      Tensor logits = train::infer_logits(
          *loaded.model, train::image_batch(image, loaded.normalize, device), inference);
      const data::Mask mask{image.height, image.width,
                            train::argmax_labels(logits).to(kCPU).to_vector<uint8_t>()};
      const std::string stem = file.stem().string();
      data::write_palette_png((out / (stem + ".png")).string(), mask, colours);
      if (overlay)
        data::write_png((out / (stem + "_overlay.png")).string(),
                        train::overlay(image, mask, colours));
      std::cout << file.string() << " -> " << (out / (stem + ".png")).string() << "\n";
    }
    return 0;
  });
}
