// core/env.h: switches read from the environment.
#include "core/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "core/error.h"

namespace tessel {
namespace {

constexpr const char* kName = "TESSEL_ENV_TEST_FLAG";

TEST(EnvFlag, UnsetOrEmptyGivesTheFallback) {
  unsetenv(kName);
  EXPECT_TRUE(env_flag(kName, true));
  EXPECT_FALSE(env_flag(kName, false));
  setenv(kName, "", 1);
  EXPECT_TRUE(env_flag(kName, true));
}

TEST(EnvFlag, ReadsZeroAndOne) {
  setenv(kName, "1", 1);
  EXPECT_TRUE(env_flag(kName, false));
  setenv(kName, "0", 1);
  EXPECT_FALSE(env_flag(kName, true));
  unsetenv(kName);
}

TEST(EnvFlag, AnythingElseIsAnErrorNamingTheVariable) {
  for (const char* bad : {"yes", "true", "2", " 1", "10"}) {
    setenv(kName, bad, 1);
    try {
      env_flag(kName, false);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(kName) + "=" + bad + ": expected 0 or 1"),
                std::string::npos)
          << e.what();
    }
  }
  unsetenv(kName);
}

}  // namespace
}  // namespace tessel
