// Weights and checkpoints: the header (JSON), every tensor entry and the data section.
#include "fuzz/fuzz_target.h"
#include "nn/safetensors.h"

TESSEL_FUZZ_TARGET(safetensors) {
  const std::string path = tessel::fuzz::write_input("weights.safetensors", input);
  tessel::fuzz::expect_clean(path, [&] {
    const tessel::nn::Safetensors file = tessel::nn::read_safetensors(path);
    // What was read must fit in what was given.
    int64_t bytes = 0;
    for (const auto& [name, tensor] : file.tensors)
      bytes += tensor.numel() * int64_t(tensor.element_size());
    if (bytes > int64_t(input.size())) std::abort();
  });
}
