// EXPECT_ERROR(statement, text): the statement throws a tessel::Error whose message contains
// `text`; on failure the message (or "no error") is printed, so a wrong message is visible.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "engine/error.h"

namespace tessel::testing {
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace tessel::testing

#define EXPECT_ERROR(stmt, text)                                            \
  do {                                                                      \
    std::string msg_ = ::tessel::testing::error_of([&] { stmt; });          \
    EXPECT_NE(msg_.find(text), std::string::npos) << "error was: " << msg_; \
  } while (0)
