// Switches read from the environment, checked: a value other than the ones a switch knows is an
// error naming the variable, never silently the default.
#pragma once

namespace tessel {

// "0" or "1"; unset or empty gives `fallback`. Read on every call: callers that sit on a hot
// path keep the answer in a function-local static.
bool env_flag(const char* name, bool fallback);

}  // namespace tessel
