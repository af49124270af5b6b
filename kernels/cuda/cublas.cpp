#include "kernels/cuda/cublas.h"

#include <dlfcn.h>

#include <string>
#include <type_traits>

namespace tessel::kernels {
namespace {

// Each pointer type must be exactly cuBLAS's declaration (no function pointer converts to
// another, and the static_cast picks the matching overload of the overloaded ones), so a mismatch
// fails to compile rather than calling through a wrong signature. Unevaluated: nothing here
// references libcublas.
#define TESSEL_DECLARED_AS(member, function)                                               \
  static_assert(std::is_same_v<decltype(static_cast<decltype(Cublas::member)>(&function)), \
                               decltype(Cublas::member)>)
TESSEL_DECLARED_AS(create, cublasCreate_v2);
TESSEL_DECLARED_AS(set_stream, cublasSetStream_v2);
TESSEL_DECLARED_AS(status_string, cublasGetStatusString);
TESSEL_DECLARED_AS(gemm_ex, cublasGemmEx);
TESSEL_DECLARED_AS(gemm_strided_batched_ex, cublasGemmStridedBatchedEx);
#undef TESSEL_DECLARED_AS

const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);

// The loader's search path first (LD_LIBRARY_PATH, ld.so.cache), then the toolkit Tessel was
// built against.
void* open_library() {
  if (void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
  std::string first = dlerror();
  std::string built = std::string(TESSEL_CUBLAS_DIR) + "/" + soname;
  if (void* lib = dlopen(built.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
  TESSEL_FAIL("cuBLAS: cannot load ", soname, " (", first, "; ", dlerror(),
              "): install the CUDA toolkit's cuBLAS ", CUBLAS_VER_MAJOR,
              " or add its directory to LD_LIBRARY_PATH");
}

template <class Ptr>
void bind(void* lib, Ptr& ptr, const char* name) {
  ptr = reinterpret_cast<Ptr>(dlsym(lib, name));
  TESSEL_CHECK(ptr != nullptr, "cuBLAS: ", soname, " has no symbol ", name,
               ": it is older than the cuBLAS ", CUBLAS_VER_MAJOR, " Tessel was built with");
}

Cublas load() {
  void* lib = open_library();  // never closed: handles created from it live until exit
  Cublas c{};
  bind(lib, c.create, "cublasCreate_v2");
  bind(lib, c.set_stream, "cublasSetStream_v2");
  bind(lib, c.status_string, "cublasGetStatusString");
  bind(lib, c.gemm_ex, "cublasGemmEx");
  bind(lib, c.gemm_strided_batched_ex, "cublasGemmStridedBatchedEx");
  return c;
}

}  // namespace

const Cublas& cublas() {
  static const Cublas library = load();  // a throw leaves it unset, so the next call retries
  return library;
}

}  // namespace tessel::kernels
