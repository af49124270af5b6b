// tessel-export: a model as an ONNX file, traced on a random input (or --image) of the given
// size, its axes fixed or, with --dynamic, symbolic (deploy/onnx_export.h). The model
// comes from a checkpoint (--weights, which names it) or by name with fresh weights (--model),
// e.g. to try an architecture in a runtime before training it. --reference FILE also writes the
// input and Tessel's outputs on it as safetensors, for tools/check_onnx.py to compare with an
// ONNX runtime. Exit codes: tools/cli/tool.h.
#include <iostream>

#include "data/image_io.h"
#include "deploy/onnx_export.h"
#include "engine/ops.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tools/cli/model_flags.h"
#include "tools/cli/tool.h"

namespace {

using namespace tessel;

train::LoadedModel load(const tools::ModelFlags& flags, bool aux) {
  tools::usage_check([&] {
    TESSEL_CHECK(!aux || flags.weights.empty(), "--aux is for --model; a checkpoint has its heads");
    TESSEL_CHECK(!flags.weights.empty() || !flags.model.empty(),
                 "give --weights CKPT, or --model NAME for fresh weights");
  });
  if (!flags.weights.empty()) return flags.load(kCPU);
  int64_t classes = flags.classes > 0 ? flags.classes : 21;
  return {models::create(flags.model, {.num_classes = classes, .aux = aux}), flags.model, classes,
          train::imagenet_normalize()};
}

// The example input: `image` normalised as the model's inputs are and resized bilinearly to
// `size`, else random values.
Tensor example_input(const std::string& image, const data::Normalize& normalize, int64_t batch,
                     Size2 size, int64_t seed) {
  if (image.empty()) {
    Generator gen{uint64_t(seed)};
    return randn({batch, 3, size[0], size[1]}, {}, &gen);
  }
  tools::usage_check(
      [&] { TESSEL_CHECK(batch == 1, "--image makes a batch of one; leave --batch out"); });
  Tensor x = train::image_batch(data::read_image(image), normalize, kCPU);
  if (x.size(2) == size[0] && x.size(3) == size[1]) return x;
  return upsample_bilinear(x, {.size = size});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A model as an ONNX file: input 'input' [N, 3, H, W] (normalised as for training), "
      "outputs the model's ('out', 'aux') or with --labels the label map 'labels'.",
      "tessel-export"};
  app.add_flag_callback(
      "--list-models",
      [] {
        for (const std::string& name : models::names()) std::cout << name << "\n";
        throw CLI::Success();
      },
      "print the names --model takes, one a line, and exit");
  tools::ModelFlags model;
  model.add(app, false);
  std::string out, size_text = "512x512", reference, labels, image;
  int64_t batch = 1, seed = 0;
  bool dynamic = false, aux = false;
  deploy::OnnxOptions options;
  app.add_option("--out", out, "the .onnx file to write")->type_name("FILE")->required();
  app.add_option("--size", size_text, "the input's width and height (default: 512x512)")
      ->type_name("WxH");
  app.add_option("--batch", batch, "the input's batch size (default: 1)")
      ->type_name("N")
      ->check(tools::positive_integer());
  app.add_option("--opset", options.opset, "the ONNX opset, 13 to 20 (default: 17)")
      ->type_name("K")
      ->check(CLI::Range(13, 20));
  app.add_flag("--dynamic", dynamic,
               "symbolic batch, height and width axes ('batch', 'height', 'width')");
  app.add_flag("--dynamic-batch", options.dynamic_batch, "a symbolic batch axis only");
  app.add_flag("--fold-bn", options.fold_bn, "fold BatchNorm into the convolution before it");
  app.add_option("--labels", labels,
                 "output the label map 'labels' (the argmax over classes) instead of the logits, "
                 "as i64 (the default) or u8")
      ->type_name("[TYPE]")
      ->expected(0, 1)
      ->default_str("i64")
      ->check(CLI::IsMember({"i64", "u8"}));
  app.add_flag("--aux", aux, "with --model: the auxiliary head on, its output 'aux' exported");
  app.add_flag("--fp16", options.fp16, "store float weights as f16");
  app.add_option("--reference", reference,
                 "also write the input and Tessel's outputs on it (safetensors)")
      ->type_name("FILE");
  app.add_option("--image", image,
                 "trace (and with --reference compare) on this image, resized to --size, "
                 "instead of random values")
      ->type_name("FILE");
  app.add_option("--seed", seed, "the seed of the random input (default: 0)")
      ->check(tools::non_negative_integer());
  return tools::run(app, argc, argv, [&] {
    Size2 size = tools::usage_check([&] { return train::parse_size(size_text, "--size"); });
    if (app.count("--labels"))
      options.labels = labels == "u8" ? deploy::Labels::U8 : deploy::Labels::I64;
    options.dynamic_batch |= dynamic;
    options.dynamic_size = dynamic;
    train::LoadedModel loaded = load(model, aux);
    auto& net = loaded.model;
    Tensor input = example_input(image, loaded.normalize, batch, size, seed);
    deploy::export_onnx(*net, input, out, options);
    std::cout << "tessel-export: wrote " << out << " (opset " << options.opset << ", input "
              << shape_str(input.sizes()) << ")\n";
    if (!reference.empty()) {
      NoGradGuard no_grad;
      net->eval();
      nn::StateDict tensors{{"input", input}};
      for (const auto& [name, t] : net->forward_outputs(input)) tensors.insert(name, t);
      nn::write_safetensors(reference, tensors);
      std::cout << "tessel-export: wrote " << reference << "\n";
    }
    return 0;
  });
}
