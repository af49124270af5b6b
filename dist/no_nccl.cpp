// A build without CUDA has no NCCL: CUDA groups are an error that says so.
#include "core/error.h"
#include "dist/process_group.h"

namespace tessel::dist {

std::shared_ptr<ProcessGroup> new_nccl_group(const std::shared_ptr<TcpStore>&, const std::string&,
                                             int, int, int device, std::chrono::milliseconds) {
  TESSEL_FAIL("dist: a process group on cuda:", device,
              " needs NCCL, and this Tessel was built without CUDA (TESSEL_CUDA=OFF)");
}

}  // namespace tessel::dist
