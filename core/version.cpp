#include "core/version.h"

namespace tessel {

const char* version() {
  return TESSEL_VERSION;
}

const char* git_commit() {
  return TESSEL_GIT_COMMIT;
}

}  // namespace tessel
