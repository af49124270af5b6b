// What every tool shares: its version, the exit-code policy and how errors are printed.
//
// Exit codes, the same in every tool, so that a script can tell a typo from a failed run:
//   0  done (also --help and --version);
//   2  the command line is wrong: an unknown flag or subcommand, a missing or malformed value,
//      a value that is not one of the choices, flags that contradict each other; nothing was done;
//   1  the command line was understood but the work failed: a file missing or unreadable, a
//      checkpoint disagreeing with the flags, a dataset with errors, no CUDA device, a CUDA error.
// (tessel-train also exits with 128 + the signal when SIGINT or SIGTERM stopped it.)
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>

namespace tessel::tools {

// A wrong command line found after parsing, by a check that needs what the tool learnt first
// (which device it runs on): exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Adds --version to `app`, parses argv into it and returns body()'s exit code. Anything thrown
// while parsing (CLI11's errors and the option callbacks' checks of values) and a UsageError
// return 2; anything else body() throws returns 1. Errors go to stderr as "<tool>
// [<subcommand>]: <message>", usage errors followed by where to find the usage.
int run(CLI::App& app, int argc, const char* const* argv, const std::function<int()>& body);

// Runs `check`, a check of the command line, and turns what it throws into a UsageError.
template <class Check>
auto usage_check(Check&& check) {
  try {
    return check();
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

// Accept whole numbers > 0 and >= 0: "expected a positive integer, got 'many'", where
// CLI11's own ranges would print their bounds as 300-digit numbers.
CLI::Validator positive_integer();
CLI::Validator non_negative_integer();

// --max-pixels N: the decoders' pixel limit (data/decode_limits.h), set as it is parsed.
// `what` says which files it applies to.
void add_max_pixels(CLI::App& app, const std::string& what);

// Accepts the dataset formats data::open_dataset knows (listed in --help).
CLI::Validator dataset_format();

}  // namespace tessel::tools
