// The registry's names for the pyramid-context families: LR-ASPP, PSPNet and DeepLabV3+.
#include "models/deeplabv3plus.h"
#include "models/lraspp.h"
#include "models/pspnet.h"
#include "models/registry.h"

namespace tessel::models {

void add_pyramid_models(Registry& r) {
  r["lraspp_mobilenet_v3_large"] = [](const ModelOptions& o) {
    // torchvision's LR-ASPP has neither an auxiliary head nor a choice of output stride.
    TESSEL_CHECK(!o.aux, "lraspp_mobilenet_v3_large: has no auxiliary head (aux must be false)");
    return std::make_shared<LRASPP>(o.num_classes);
  };
  for (int64_t depth : {50, 101}) {
    std::string resnet = "_resnet" + std::to_string(depth);
    r["pspnet" + resnet] = [depth](const ModelOptions& o) { return pspnet(depth, o); };
    r["deeplabv3plus" + resnet] = [depth](const ModelOptions& o) {
      return deeplabv3plus(depth, o);
    };
  }
}

}  // namespace tessel::models
