// The real-time families' names (SuperGradients' model zoo names, snake-cased; ENet as
// davidtvs/PyTorch-ENet, BiSeNetV2 as mmsegmentation).
#include "models/bisenetv2.h"
#include "models/ddrnet.h"
#include "models/enet.h"
#include "models/registry.h"
#include "models/regseg.h"

namespace tessel::models {

void add_realtime_models(Registry& r) {
  r["ddrnet_23_slim"] = [](const ModelOptions& o) { return ddrnet(ddrnet_23_slim_config(), o); };
  r["ddrnet_23"] = [](const ModelOptions& o) { return ddrnet(ddrnet_23_config(), o); };
  r["ddrnet_39"] = [](const ModelOptions& o) { return ddrnet(ddrnet_39_config(), o); };
  r["regseg48"] = regseg48;
  r["enet"] = enet;
  r["bisenetv2"] = bisenetv2;
}

}  // namespace tessel::models
