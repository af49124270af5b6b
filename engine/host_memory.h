// The host side of "peak memory": the process's resident high-water mark.
#pragma once

#include <cstdint>

namespace tessel {

// VmHWM from /proc/self/status, in bytes (0 where it cannot be read). Unlike getrusage's
// ru_maxrss it starts afresh at exec, so the size of the process that launched this one (a
// Python script with torch loaded, say) does not count.
int64_t peak_resident_bytes();

}  // namespace tessel
