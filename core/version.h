// Which build this is, for --version and a run's env.json: the project version from CMake, and
// the git commit of the source tree when it was configured (`git describe --always --dirty`;
// scripts/build.sh configures on every build), "" when not built from a git checkout.
#pragma once

namespace tessel {

const char* version();
const char* git_commit();

}  // namespace tessel
