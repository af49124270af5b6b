// tessel-export: a model as an ONNX file, traced on a random input of the given size. The model
// comes from a checkpoint (--weights, which names it) or by name with fresh weights (--model),
// e.g. to try an architecture in a runtime before training it. --reference FILE also writes the
// input and Tessel's outputs on it as safetensors, for tools/check_onnx.py to compare with an
// ONNX runtime. Exit codes: tools/cli/tool.h.
#include <iostream>

#include "deploy/onnx_export.h"
#include "engine/ops.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tools/cli/model_flags.h"
#include "tools/cli/tool.h"

namespace {

using namespace tessel;

std::shared_ptr<models::SegmentationModel> load(const tools::ModelFlags& flags) {
  if (!flags.weights.empty()) return flags.load(kCPU).model;
  tools::usage_check([&] {
    TESSEL_CHECK(!flags.model.empty(), "give --weights CKPT, or --model NAME for fresh weights");
  });
  return models::create(flags.model, {.num_classes = flags.classes > 0 ? flags.classes : 21});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A model as an ONNX file: input 'input' [N, 3, H, W] (normalised as for training), "
      "outputs the model's ('out', 'aux') or with --argmax the label map 'labels'.",
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
  std::string out, size_text = "512x512", reference, labels;
  int64_t batch = 1, seed = 0;
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
  app.add_flag("--dynamic", options.dynamic_batch, "a symbolic batch axis ('batch')");
  app.add_flag("--fold-bn", options.fold_bn, "fold BatchNorm into the convolution before it");
  app.add_option("--argmax", labels,
                 "output the label map 'labels' of this type (i64 or u8) instead of the logits")
      ->check(CLI::IsMember({"i64", "u8"}));
  app.add_flag("--fp16", options.fp16, "store float weights as f16");
  app.add_option("--reference", reference,
                 "also write the random input and Tessel's outputs on it (safetensors)")
      ->type_name("FILE");
  app.add_option("--seed", seed, "the seed of the random input (default: 0)")
      ->check(tools::non_negative_integer());
  return tools::run(app, argc, argv, [&] {
    Size2 size = tools::usage_check([&] { return train::parse_size(size_text, "--size"); });
    if (!labels.empty()) options.labels = labels == "u8" ? deploy::Labels::U8 : deploy::Labels::I64;
    auto net = load(model);
    Generator gen{uint64_t(seed)};
    Tensor input = randn({batch, 3, size[0], size[1]}, {}, &gen);
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
