// The safetensors format (https://github.com/huggingface/safetensors), how weights move between
// Tessel and PyTorch: an 8-byte little-endian header length N, N bytes of JSON
//   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0,
//   24]}}
// padded with spaces, then the data section: each tensor's bytes, row-major and little-endian, at
// its offsets. Every byte of the data section belongs to exactly one tensor.
#pragma once

#include <map>
#include <string>

#include "nn/module.h"

namespace tessel::nn {

using Metadata = std::map<std::string, std::string>;

struct Safetensors {
  StateDict tensors;  // in the order of the header
  Metadata metadata;  // the optional "__metadata__" string map
};

// Reads `path` through a read-only memory map. The header is validated in full before any data is
// read (length within the file, UTF-8 JSON, dtype names F32 F64 F16 BF16 I32 I64 U8 BOOL,
// non-negative integer shapes, data_offsets consistent with shape x dtype size and in bounds, no
// overlaps, no gaps, no trailing bytes; BOOL bytes are 0 or 1). Tensors are copied out of the
// mapping into CPU storage, which Tessel owns and aligns; the mapping is gone on return, so the
// file may then be replaced. Errors throw tessel::Error "read_safetensors: <path>: <what>",
// naming the tensor, the offsets and what was expected.
Safetensors read_safetensors(const std::string& path);

// Writes `tensors` (moved to the CPU and made contiguous one at a time, so a CUDA state dict never
// sits twice in host memory) and `metadata` to `path`, atomically: a temporary file in the same
// directory, fsync, rename. An error mid-way leaves no partial file, and an existing `path` as it
// was. Header keys keep the dict's order; the data section is ordered by decreasing element size
// so every tensor is aligned to its element in the file, and the header is padded with spaces to a
// multiple of 8 bytes, as the reference writer does.
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const Metadata& metadata = {});

// A module's state_dict() to `path`, and back into a module (Module::load_state_dict: shapes must
// match, dtypes and devices are converted, `strict` throws on missing or unexpected keys). Errors
// name the file.
void save_state_dict(const std::string& path, const Module& module, const Metadata& metadata = {});
IncompatibleKeys load_state_dict_file(const std::string& path, Module& module, bool strict = true);

// The safetensors name of a dtype ("F32", ..., "BOOL").
const char* safetensors_dtype_name(DType t);

}  // namespace tessel::nn
