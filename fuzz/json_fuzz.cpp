// The strict JSON reader behind safetensors headers, checkpoints' state.json and dataset metadata,
// and the typed access every reader uses on what it parsed.
#include "core/error.h"
#include "core/json.h"
#include "fuzz/fuzz_target.h"

namespace {

// Reads every value the way the readers do: each typed accessor on each value.
void visit(const tessel::JsonRef& v) {
  auto attempt = [](auto&& read) {
    try {
      read();
    } catch (const tessel::Error&) {  // a wrong type: what the readers report
    }
  };
  attempt([&] { v.boolean(); });
  attempt([&] { v.number(); });
  attempt([&] { v.integer(); });
  attempt([&] { v.index(); });
  attempt([&] { v.unsigned_integer(); });
  attempt([&] { tessel::json_quote(v.string()); });
  if (v.json().is_object())
    for (const auto& [key, member] : v.members()) visit(member);
  if (v.json().is_array())
    for (const tessel::JsonRef& element : v.elements()) visit(element);
}

}  // namespace

TESSEL_FUZZ_TARGET(json) {
  const std::string origin = "fuzz.json";
  tessel::fuzz::expect_clean(origin, [&] {
    const tessel::Json doc = tessel::parse_json(input, origin);
    visit(tessel::JsonRef::document(doc, origin));
  });
}
