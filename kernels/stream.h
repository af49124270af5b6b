// The CUDA stream handle type, declared without including CUDA headers.
#pragma once

struct CUstream_st;

namespace tessel::kernels {
using Stream = CUstream_st*;
}
