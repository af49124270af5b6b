// One libFuzzer target per parser of outside data. A target's body is an ordinary function, so
// the same code runs under libFuzzer (a fuzz/ build: -DTESSEL_FUZZ=ON, scripts/fuzz.sh) and over
// the committed corpora and crash files in the normal test suite (tests/fuzz/corpus_test.cpp).
//
// What a target asserts: the parser returns or throws tessel::Error, and a file's error names the
// file. Any other exception, a sanitizer report, a timeout or runaway memory is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace tessel::fuzz {

using Target = std::function<void(std::string_view input)>;

// Every target linked into this program, by name (the name of its folder under fuzz/corpus/).
std::map<std::string, Target>& targets();
bool add_target(const std::string& name, Target target);

// A file holding `input`, named `name`, in a folder of this process's own that is removed at
// exit: the parsers under test read paths.
std::string write_input(const std::string& name, std::string_view input);
// This process's folder (created on first use).
const std::string& scratch_dir();

// Runs `parse`; a tessel::Error is the right answer to bad input, as long as it names `must_name`
// (the file or document at fault). Any other exception propagates: libFuzzer reports it.
void expect_clean(const std::string& must_name, const std::function<void()>& parse);

}  // namespace tessel::fuzz

// Defines a target. In the fuzzer build (TESSEL_FUZZ_MAIN) it is also the program's
// LLVMFuzzerTestOneInput; in the test suite it is registered under its name.
#ifdef TESSEL_FUZZ_MAIN
#define TESSEL_FUZZ_TARGET(name)                                              \
  static void fuzz_##name(std::string_view input);                            \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {   \
    fuzz_##name(std::string_view(reinterpret_cast<const char*>(data), size)); \
    return 0;                                                                 \
  }                                                                           \
  static void fuzz_##name(std::string_view input)
#else
#define TESSEL_FUZZ_TARGET(name)                         \
  static void fuzz_##name(std::string_view input);       \
  [[maybe_unused]] static const bool registered_##name = \
      tessel::fuzz::add_target(#name, fuzz_##name);      \
  static void fuzz_##name(std::string_view input)
#endif
