// Class colours in dataset metadata (Mapillary's config.json, Datumaro's dataset_meta.json).
#pragma once

#include "data/image.h"
#include "core/json.h"

namespace tessel::data {

// A colour written [r, g, b], each 0..255; errors name the file and the key at fault.
Rgb rgb_of(const JsonRef& value);

}  // namespace tessel::data
