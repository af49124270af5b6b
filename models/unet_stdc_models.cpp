#include "models/fpn.h"
#include "models/linknet.h"
#include "models/manet.h"
#include "models/pan.h"
#include "models/pp_liteseg.h"
#include "models/registry.h"
#include "models/stdc_seg.h"
#include "models/unet.h"
#include "models/unetplusplus.h"
#include "models/upernet.h"

namespace tessel::models {

void add_unet_stdc_models(Registry& r) {
  r["unet"] = [](const ModelOptions& o) { return std::make_shared<UNet>(o); };
  // The small UNet of CPU training benchmarks and quick experiments.
  r["unet_small"] = [](const ModelOptions& o) {
    TESSEL_CHECK(o.unet == UNetOptions{},
                 "unet_small: its shape is fixed (base width 16, "
                 "bilinear); set model.unet.* with model.name: unet instead");
    ModelOptions small = o;
    small.unet = {.base_width = 16, .depth = 4, .bilinear = true, .batch_norm = true};
    return std::make_shared<UNet>(small);
  };
  r["unet_resnet34"] = [](const ModelOptions& o) { return std::make_shared<UNetResNet>(34, o); };
  r["unet_resnet50"] = [](const ModelOptions& o) { return std::make_shared<UNetResNet>(50, o); };
  r["upernet_resnet34"] = [](const ModelOptions& o) {
    return std::make_shared<UPerNetResNet>(34, o);
  };
  r["upernet_resnet50"] = [](const ModelOptions& o) {
    return std::make_shared<UPerNetResNet>(50, o);
  };
  r["pan_resnet34"] = [](const ModelOptions& o) { return std::make_shared<PANResNet>(34, o); };
  r["pan_resnet50"] = [](const ModelOptions& o) { return std::make_shared<PANResNet>(50, o); };
  r["linknet_resnet34"] = [](const ModelOptions& o) {
    return std::make_shared<LinkNetResNet34>(o);
  };
  r["fpn_resnet34"] = [](const ModelOptions& o) { return std::make_shared<FPNResNet34>(o); };
  r["manet_resnet34"] = [](const ModelOptions& o) { return std::make_shared<MAnetResNet34>(o); };
  r["unetplusplus_resnet34"] = [](const ModelOptions& o) {
    return std::make_shared<UnetPlusPlusResNet34>(o);
  };
  for (int version : {1, 2})
    r["stdc" + std::to_string(version) + "_seg"] = [version](const ModelOptions& o) {
      return std::make_shared<STDCSeg>(version, o);
    };
  r["pp_liteseg_t"] = [](const ModelOptions& o) { return std::make_shared<PPLiteSeg>('T', o); };
  r["pp_liteseg_b"] = [](const ModelOptions& o) { return std::make_shared<PPLiteSeg>('B', o); };
}

}  // namespace tessel::models
