// Recipes: YAML through yaml-cpp, then the schema, then command-line overrides. The input is the
// YAML text; lines after a line "#overrides" are the overrides ("key.sub=value"), in order.
#include "fuzz/fuzz_target.h"
#include "train/config.h"

TESSEL_FUZZ_TARGET(recipe) {
  const std::string_view mark = "\n#overrides\n";
  const size_t at = input.find(mark);
  const std::string text(input.substr(0, at));
  std::vector<std::string> overrides;
  if (at != std::string_view::npos) {
    std::string_view rest = input.substr(at + mark.size());
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      overrides.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  // An error names the recipe, or the override at fault.
  tessel::fuzz::expect_clean(overrides.empty() ? "fuzz.yaml" : "",
                             [&] { tessel::train::parse_recipe(text, "fuzz.yaml", overrides); });
}
