#include "tools/cli/model_flags.h"

#include "models/registry.h"
#include "tools/cli/tool.h"

namespace tessel::tools {

void DeviceFlag::add(CLI::App& app) {
  app.add_option("--device", text, "cpu, cuda or cuda:N (default: cuda when there is a GPU)")
      ->type_name("DEVICE")
      ->check(CLI::Validator(
          [](std::string& spec) {  // the spelling; whether the device is there is resolve()'s
            try {
              (void)Device(spec);
              return std::string();
            } catch (const std::exception& e) {
              return std::string(e.what());
            }
          },
          ""));
}

void ModelFlags::add(CLI::App& app, bool weights_required) {
  app.add_option("--weights", weights,
                 "a .safetensors file or a checkpoint directory holding model.safetensors")
      ->type_name("PATH")
      ->required(weights_required);
  app.add_option("--model", model, "the model, for weights that do not name it")
      ->type_name("NAME")
      ->check(model_name());
  app.add_option("--classes", classes, "the number of classes, for weights that do not say")
      ->type_name("N")
      ->check(positive_integer());
}

void add_inference_flags(CLI::App& app, train::InferenceOptions& options) {
  app.add_option_function<std::string>(
         "--sliding",
         [&options](const std::string& text) { options.sliding = train::parse_sliding(text); },
         "windows of WxH every SxS pixels instead of whole images")
      ->type_name("WxH:SxS");
  app.add_option_function<std::string>(
         "--scales",
         [&options](const std::string& text) { options.scales = train::parse_scales(text); },
         "multi-scale test-time augmentation, e.g. 0.75,1,1.25")
      ->type_name("S,S,...");
  app.add_flag("--flip", options.flip, "also infer on horizontally flipped images");
}

CLI::Validator model_name() {
  return CLI::IsMember(models::names());
}

}  // namespace tessel::tools
