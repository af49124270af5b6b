#include "tools/cli/tool.h"

#include <charconv>
#include <iostream>

#include "core/version.h"
#include "data/decode_limits.h"
#include "data/open_dataset.h"

namespace tessel::tools {
namespace {

// "tessel-data check": the tool and the subcommand the command line chose, as errors name them.
std::string command_name(const CLI::App& app) {
  std::string name = app.get_name();
  for (const CLI::App* a = &app; !a->get_subcommands().empty();) {
    a = a->get_subcommands().front();
    name += " " + a->get_name();
  }
  return name;
}

// Accepts integers of at least `min`, called `what` in its message.
CLI::Validator integer_at_least(int64_t min, const std::string& what) {
  return CLI::Validator(
      [min, what](std::string& text) {
        int64_t v = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, v);
        return ec == std::errc() && ptr == end && v >= min
                   ? std::string()
                   : "expected " + what + ", got '" + text + "'";
      },
      "");
}

int usage_error(const CLI::App& app, const char* message) {
  const std::string name = command_name(app);
  std::cerr << name << ": " << message << "\n(run " << name << " --help for usage)\n";
  return 2;
}

// "tessel-train 0.1.0 (git 95b800a42bcb)": the commit when built from a git checkout.
std::string version_line(const std::string& tool) {
  const std::string commit = git_commit();
  return tool + " " + version() + (commit.empty() ? "" : " (git " + commit + ")");
}

}  // namespace

int run(CLI::App& app, int argc, const char* const* argv, const std::function<int()>& body) {
  app.set_version_flag("--version", version_line(app.get_name()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version: printed to stdout
    return app.exit(e);
  } catch (const std::exception& e) {
    // CLI11 checks for required flags before it checks for unknown ones: `--weigths x` would say
    // "--weights is required". The misspelt flag is what to report.
    const std::vector<std::string> unknown = app.remaining(true);
    return usage_error(app, unknown.empty() ? e.what() : CLI::ExtrasError(unknown).what());
  }
  try {
    return body();
  } catch (const UsageError& e) {
    return usage_error(app, e.what());
  } catch (const std::exception& e) {
    std::cout.flush();  // what the tool printed before it failed comes first
    std::cerr << command_name(app) << ": " << e.what() << "\n";
    return 1;
  }
}

void add_max_pixels(CLI::App& app, const std::string& what) {
  app.add_option_function<int64_t>(
         "--max-pixels", [](const int64_t& n) { data::set_decode_limits({n}); },
         "refuse " + what + " declaring more pixels (default " +
             std::to_string(data::DecodeLimits{}.max_pixels) + ")")
      ->type_name("N")
      ->check(positive_integer());
}

CLI::Validator positive_integer() {
  return integer_at_least(1, "a positive integer");
}

CLI::Validator non_negative_integer() {
  return integer_at_least(0, "a non-negative integer");
}

CLI::Validator dataset_format() {
  return CLI::IsMember(data::dataset_formats());
}

}  // namespace tessel::tools
