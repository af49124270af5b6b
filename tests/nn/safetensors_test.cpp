// safetensors: round trips of every dtype and odd shapes, a file from an independent (Python)
// writer, torchvision ResNet-50's state dict through a module with its names, every kind of
// malformed file (each error names the file and the fault), and atomic writes.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "nn/file.h"
#include "nn/nn.h"
#include "nn/safetensors.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::nn;
using namespace tessel::testing;
namespace fs = std::filesystem;
using namespace std::string_literals;

namespace {

// A fresh directory for one test, removed with its contents.
struct TempDir {
  fs::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() /
           ("tessel_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
// A file with the given header text (not padded) and data bytes.
std::string file_of(const std::string& header, const std::string& data) {
  uint64_t n = header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header + data;
}

// Seeded values of any dtype, spread over its range.
Tensor sample(DType t, const Shape& shape, uint64_t seed) {
  Generator g(seed);
  if (is_floating(t)) return (randn(shape, {DType::F64}, &g) * 100.0).to(t);
  if (t == DType::Bool) return randint(0, 2, shape, {DType::I64}, &g).to(t);
  if (t == DType::U8) return randint(0, 256, shape, {DType::I64}, &g).to(t);
  if (t == DType::I32) return randint(INT32_MIN, INT32_MAX, shape, {DType::I64}, &g).to(t);
  return randint(INT64_MIN / 2, INT64_MAX / 2, shape, {DType::I64}, &g);
}

// Same dtype, shape and bytes.
::testing::AssertionResult same(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes())
    return ::testing::AssertionFailure()
           << a.dtype() << shape_str(a.sizes()) << " vs " << b.dtype() << shape_str(b.sizes());
  Tensor x = a.detach().contiguous(), y = b.detach().contiguous();
  if (std::memcmp(x.data_ptr(), y.data_ptr(), size_t(x.numel()) * x.element_size()) != 0)
    return ::testing::AssertionFailure() << "the bytes differ";
  return ::testing::AssertionSuccess();
}

std::vector<std::string> keys_of(const StateDict& d) {
  return d.keys();
}

const DType kAll[] = {DType::F32, DType::F64, DType::F16, DType::BF16,
                      DType::I32, DType::I64, DType::U8,  DType::Bool};

}  // namespace

TEST(Safetensors, RoundTripEveryDtypeAndShape) {
  TempDir dir;
  StateDict d;
  uint64_t seed = 1;
  for (DType t : kAll)
    for (const Shape& s : std::vector<Shape>{{2, 3}, {5}, {}, {0}, {2, 0, 3}, {1, 1, 1, 7}})
      d.insert(std::string(dtype_name(t)) + shape_str(s), sample(t, s, seed++));
  Metadata meta = {{"format", "pt"}, {"epoch", "12"}};
  std::string path = dir.file("all.safetensors");
  write_safetensors(path, d, meta);

  Safetensors r = read_safetensors(path);
  EXPECT_EQ(keys_of(r.tensors), keys_of(d));  // the header keeps the dict's order
  for (const auto& [name, t] : d) EXPECT_TRUE(same(r.tensors.at(name), t)) << name;
  EXPECT_EQ(r.metadata, meta);
  uint64_t header_bytes;
  std::memcpy(&header_bytes, read_bytes(path).data(), 8);
  EXPECT_EQ(header_bytes % 8, 0u);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"all.safetensors"});  // no temporary left
}

TEST(Safetensors, WritesViewsAsTheirValues) {
  TempDir dir;
  Tensor base = sample(DType::F32, {4, 6}, 7);
  StateDict d;
  d.insert("transposed", base.transpose(0, 1));
  d.insert("strided", base.slice(1, 1, 6, 2));
  d.insert("offset", base.narrow(0, 2, 2));
  d.insert("expanded", sample(DType::I64, {3, 1}, 8).expand({3, 5}));
  d.insert("trained", sample(DType::F64, {3}, 9).requires_grad_());
  write_safetensors(dir.file("v.safetensors"), d);
  StateDict r = read_safetensors(dir.file("v.safetensors")).tensors;
  for (const auto& [name, t] : d) {
    EXPECT_TRUE(same(r.at(name), t.contiguous())) << name;
    EXPECT_TRUE(r.at(name).is_contiguous());
    EXPECT_FALSE(r.at(name).requires_grad());
  }
}

// Names and metadata with quotes, backslashes, control characters and non-ASCII survive.
TEST(Safetensors, EscapedNames) {
  TempDir dir;
  StateDict d;
  std::vector<std::string> names = {
      "a\"b", "back\\slash", "new\nline", "ctl\x01", "caf\xc3\xa9", "", "emoji \xf0\x9f\x98\x80"};
  for (size_t i = 0; i < names.size(); ++i) d.insert(names[i], full({1}, double(i)));
  Metadata meta = {{"k\"\\\t", "v\x02\xc3\xa9"}};
  write_safetensors(dir.file("n.safetensors"), d, meta);
  Safetensors r = read_safetensors(dir.file("n.safetensors"));
  EXPECT_EQ(keys_of(r.tensors), names);
  EXPECT_EQ(r.metadata, meta);
}

// The exact bytes of a small file: data by decreasing element size, header padded to 8.
TEST(Safetensors, LayoutOfTheReferenceWriter) {
  TempDir dir;
  StateDict d;
  d.insert("a", full({2}, 1.0));
  d.insert("b", full({1}, 2.0, DType::F64));
  d.insert("c", full({3}, 3.0, DType::U8));
  write_safetensors(dir.file("l.safetensors"), d);
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
                       R"("b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
                       R"("c":{"dtype":"U8","shape":[3],"data_offsets":[16,19]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  double b = 2.0;
  float a[2] = {1, 1};
  std::string data = std::string(reinterpret_cast<char*>(&b), 8) +
                     std::string(reinterpret_cast<char*>(a), 8) + "\x03\x03\x03";
  EXPECT_EQ(read_bytes(dir.file("l.safetensors")), file_of(header, data));
}

// A file written by hand in Python (tests/fixtures/gen_resnet50_safetensors.py) with torch's
// own bytes for every dtype, against the values it printed.
TEST(Safetensors, ReadsTheIndependentWriter) {
  std::string path = fixture_path("safetensors_tiny.safetensors");
  Safetensors r = read_safetensors(path);
  auto want = load_fixture("safetensors_tiny.txt");
  EXPECT_EQ(r.tensors.size(), want.size());
  std::map<std::string, DType> dtypes = {{"f32", DType::F32},
                                         {"f64", DType::F64},
                                         {"f16", DType::F16},
                                         {"bf16", DType::BF16},
                                         {"i32", DType::I32},
                                         {"i64", DType::I64},
                                         {"u8", DType::U8},
                                         {"bool", DType::Bool},
                                         {"scalar", DType::F32},
                                         {"empty", DType::F32},
                                         {"transposed", DType::F32},
                                         {"odd\"name\\x/y", DType::I32},
                                         {"caf\xc3\xa9.\xce\xb2", DType::F64}};
  for (const auto& [name, values] : want) {
    ASSERT_TRUE(r.tensors.contains(name)) << name;
    const Tensor& t = r.tensors.at(name);
    EXPECT_EQ(t.dtype(), dtypes.at(name)) << name;
    EXPECT_EQ(t.sizes(), values.sizes()) << name;
    EXPECT_TRUE(all_close(t.to(DType::F64), values, 0, 0)) << name;  // exact
  }
  EXPECT_EQ(r.metadata,
            (Metadata{{"format", "pt"}, {"note", "written by gen_resnet50_safetensors.py"}}));

  // And through our writer again, unchanged.
  TempDir dir;
  write_safetensors(dir.file("again.safetensors"), r.tensors, r.metadata);
  Safetensors again = read_safetensors(dir.file("again.safetensors"));
  for (const auto& [name, t] : r.tensors) EXPECT_TRUE(same(again.tensors.at(name), t)) << name;
}

// --- ResNet-50: a module tree with torchvision's names, built from our layers, must give exactly
// torchvision's state dict (keys, order, shapes, dtypes), and its weights must go through a file
// and back into another instance strictly.
namespace {

ModulePtr conv(int64_t in, int64_t out, int64_t k, int64_t stride = 1) {
  return std::make_shared<Conv2d>(in, out, k, stride, k / 2, 1, 1, /*bias=*/false);
}
ModulePtr resnet50_layers() {
  auto net = std::make_shared<Module>("ResNet");
  net->register_module("conv1", conv(3, 64, 7, 2));
  net->register_module("bn1", std::make_shared<BatchNorm2d>(64));
  int64_t in = 64;
  const int blocks[] = {3, 4, 6, 3};
  for (int l = 0; l < 4; ++l) {
    auto layer = std::make_shared<Sequential>();
    int64_t width = int64_t(64) << l, out = width * 4, stride = l == 0 ? 1 : 2;
    for (int b = 0; b < blocks[l]; ++b) {
      auto block = std::make_shared<Module>("Bottleneck");
      block->register_module("conv1", conv(in, width, 1));
      block->register_module("bn1", std::make_shared<BatchNorm2d>(width));
      block->register_module("conv2", conv(width, width, 3, b == 0 ? stride : 1));
      block->register_module("bn2", std::make_shared<BatchNorm2d>(width));
      block->register_module("conv3", conv(width, out, 1));
      block->register_module("bn3", std::make_shared<BatchNorm2d>(out));
      if (b == 0)
        block->register_module("downsample",
                               std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                                   conv(in, out, 1, stride), std::make_shared<BatchNorm2d>(out)}));
      layer->push_back(block);
      in = out;
    }
    net->register_module("layer" + std::to_string(l + 1), layer);
  }
  net->register_module("fc", std::make_shared<Linear>(2048, 1000));
  return net;
}

struct KeyInfo {
  std::string name, dtype;
  Shape shape;
};
// tests/fixtures/resnet50_state_dict.txt: "name DTYPE ndim d0 d1 ..." per key, from torchvision.
std::vector<KeyInfo> torchvision_resnet50_keys() {
  std::ifstream in(fixture_path("resnet50_state_dict.txt"));
  std::vector<KeyInfo> keys;
  KeyInfo k;
  size_t ndim;
  while (in >> k.name >> k.dtype >> ndim) {
    k.shape.resize(ndim);
    for (auto& s : k.shape) in >> s;
    keys.push_back(k);
  }
  return keys;
}

void expect_torchvision_keys(const StateDict& d) {
  std::vector<KeyInfo> want = torchvision_resnet50_keys();
  ASSERT_EQ(want.size(), 320u);
  ASSERT_EQ(d.size(), want.size());
  size_t i = 0;
  for (const auto& [name, t] : d) {
    EXPECT_EQ(name, want[i].name) << "key " << i;
    EXPECT_EQ(t.sizes(), want[i].shape) << name;
    EXPECT_EQ(safetensors_dtype_name(t.dtype()), want[i].dtype) << name;
    ++i;
  }
}

}  // namespace

// A file the `safetensors` package itself wrote (0.8.0, from NumPy: fuzz/make_seeds.py).
TEST(Safetensors, ReadsTheReferencePackagesFile) {
  const Safetensors r =
      read_safetensors(std::string(TESSEL_FUZZ_DIR) + "/corpus/safetensors/mixed.safetensors");
  EXPECT_EQ(r.metadata, (Metadata{{"format", "pt"}, {"step", "12"}}));
  ASSERT_EQ(r.tensors.size(), 8u);
  EXPECT_EQ(r.tensors.at("conv.weight").sizes(), (Shape{2, 3, 1, 1}));
  EXPECT_EQ(r.tensors.at("conv.bias").dtype(), DType::F16);
  EXPECT_EQ(r.tensors.at("conv.bias").to(DType::F32).to_vector<float>(),
            (std::vector<float>{0, 0}));
  EXPECT_EQ(r.tensors.at("bn.num_batches_tracked").dim(), 0);
  EXPECT_EQ(r.tensors.at("bn.num_batches_tracked").to_vector<int64_t>(), (std::vector<int64_t>{7}));
  EXPECT_EQ(r.tensors.at("scale").to_vector<double>(), (std::vector<double>{0.5}));
  EXPECT_EQ(r.tensors.at("ids").to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(r.tensors.at("lut").to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(r.tensors.at("keep").to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(r.tensors.at("empty").sizes(), (Shape{0, 3}));
}

TEST(Safetensors, ResNet50StateDictThroughAFile) {
  ModulePtr net = resnet50_layers();
  expect_torchvision_keys(net->state_dict());

  // Distinct values everywhere (an LCG on the host: 25.6M values, quickly).
  uint32_t x = 1;
  int64_t k = 0;
  for (auto& [name, t] : net->state_dict()) {
    if (t.dtype() == DType::I64) {
      t.data<int64_t>()[0] = k++;
      continue;
    }
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = float(x = x * 1664525u + 1013904223u);
  }
  TempDir dir;
  std::string path = dir.file("resnet50.safetensors");
  save_state_dict(path, *net, {{"arch", "resnet50"}});
  EXPECT_GT(fs::file_size(path), 100'000'000u);  // 25.6M f32 parameters and statistics

  ModulePtr copy = resnet50_layers();
  EXPECT_TRUE(load_state_dict_file(path, *copy).empty());
  StateDict a = net->state_dict(), b = copy->state_dict();
  for (const auto& [name, t] : a) EXPECT_TRUE(same(b.at(name), t)) << name;

  // Strict loading names the file and the keys that do not match.
  auto other = std::make_shared<Module>("ResNet");
  other->register_module("conv1", conv(3, 64, 7, 2));
  other->register_module("head", conv(64, 2, 1));
  std::string msg = error_of([&] { load_state_dict_file(path, *other); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing key(s) in state_dict: 'head.weight'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'layer4.2.bn3.num_batches_tracked'"), std::string::npos) << msg;
}

// The real thing, when gen_resnet50_safetensors.py was given a path for it (~100 MB, not in git).
TEST(Safetensors, TorchvisionResNet50File) {
  const char* path = std::getenv("TESSEL_RESNET50_SAFETENSORS");
  if (!path)
    GTEST_SKIP() << "set TESSEL_RESNET50_SAFETENSORS to a file written by "
                    "tests/fixtures/gen_resnet50_safetensors.py PATH";
  Safetensors r = read_safetensors(path);
  std::vector<KeyInfo> want = torchvision_resnet50_keys();
  StateDict in_torch_order;
  for (const KeyInfo& k : want) in_torch_order.insert(k.name, r.tensors.at(k.name));
  EXPECT_EQ(r.tensors.size(), want.size());
  expect_torchvision_keys(in_torch_order);
  ModulePtr net = resnet50_layers();
  EXPECT_TRUE(net->load_state_dict(r.tensors).empty());
}

// --- Malformed files: each error names the file and what is wrong.
namespace {

struct Malformed {
  const char* what;
  std::string bytes;
  std::string error;
};

std::vector<Malformed> malformed_cases() {
  const std::string w = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  auto one = [](const std::string& fields) { return R"({"w":{)" + fields + "}}"; };
  std::string eight(8, '\0');
  uint64_t big = 1000;
  std::string thirty_three_ones = "1";
  for (int i = 1; i < 33; ++i) thirty_three_ones += ",1";
  return {
      {"empty file", "", "the file is 0 bytes, too short for the 8-byte header length"},
      {"truncated length", "\x10\0\0\0\0"s, "the file is 5 bytes, too short for the 8-byte"},
      {"length beyond the file", std::string(reinterpret_cast<char*>(&big), 8) + w + eight,
       "header length 1000 is beyond the end of the file (" + std::to_string(w.size() + 8) +
           " bytes follow the length field"},
      {"not an object", file_of("[1]", ""), "the header does not start with '{'"},
      {"invalid JSON", file_of(R"({"w":{"dtype":"F32",}})", ""),
       "header: invalid JSON at byte 20: syntax error while parsing object key"},
      {"unterminated", file_of(R"({"w":{"dtype":"F3)", ""), "missing closing quote"},
      {"after the document", file_of("{} x", ""), "at byte 3: syntax error while parsing value"},
      {"invalid UTF-8", file_of("{\"\xff\":1}", ""),
       "at byte 2: syntax error while parsing object key - invalid string: ill-formed UTF-8 byte"},
      {"too deep", file_of("{\"w\":" + std::string(100, '['), ""), "nested deeper than 64"},
      {"duplicate", file_of(R"({"w":1,"w":2})", ""), "duplicate key \"w\""},
      {"unknown dtype", file_of(one(R"("dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2])"), ""),
       "tensor 'w' has unknown dtype 'F8_E4M3' (Tessel reads F32, F64, F16, BF16, I32, I64, U8, "
       "BOOL)"},
      {"missing offsets", file_of(one(R"("dtype":"F32","shape":[2])"), eight),
       "tensor 'w' has no key 'data_offsets'"},
      {"shape not an array", file_of(one(R"("dtype":"F32","shape":2,"data_offsets":[0,8])"), eight),
       "tensor 'w'.shape is a number, expected an array"},
      {"negative size", file_of(one(R"("dtype":"F32","shape":[2,-3],"data_offsets":[0,8])"), eight),
       "tensor 'w'.shape[1] is -3, expected a non-negative integer"},
      {"fractional size",
       file_of(one(R"("dtype":"F32","shape":[2.0],"data_offsets":[0,8])"), eight),
       "tensor 'w'.shape[0] is 2.0, expected a non-negative integer"},
      {"three offsets", file_of(one(R"("dtype":"F32","shape":[2],"data_offsets":[0,4,8])"), eight),
       "tensor 'w': data_offsets must be two non-negative integers [begin, end]"},
      {"negative offset", file_of(one(R"("dtype":"F32","shape":[2],"data_offsets":[-8,0])"), eight),
       "tensor 'w'.data_offsets[0] is -8, expected a non-negative integer"},
      {"fractional offset",
       file_of(one(R"("dtype":"F32","shape":[2],"data_offsets":[0,8.0])"), eight),
       "tensor 'w'.data_offsets[1] is 8.0, expected a non-negative integer"},
      {"offset beyond int64",
       file_of(one(R"("dtype":"F32","shape":[2],"data_offsets":[0,9223372036854775808])"), eight),
       "tensor 'w'.data_offsets[1] is 9223372036854775808, expected a non-negative integer below "
       "2^63"},
      {"nested duplicate", file_of(one(R"("dtype":"F32","dtype":"F64")"), ""),
       "header: duplicate key \"dtype\""},
      {"reversed offsets", file_of(one(R"("dtype":"F32","shape":[0],"data_offsets":[8,0])"), eight),
       "tensor 'w': data_offsets [8, 0] end before they begin"},
      {"offsets not matching the shape",
       file_of(one(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,20])"), std::string(20, 'x')),
       "tensor 'w' (F32, shape [2, 3]) needs 24 bytes but data_offsets [0, 20] span 20"},
      {"offsets out of bounds",
       file_of(one(R"("dtype":"F64","shape":[2],"data_offsets":[0,16])"), eight),
       "tensor 'w': data_offsets [0, 16] end past the data section of 8 bytes (truncated file?)"},
      {"overlap",
       file_of(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
               R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
               std::string(24, 'x')),
       "tensor 'b' data_offsets [8, 24] overlap tensor 'a' [0, 16]"},
      {"gap",
       file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
               std::string(24, 'x')),
       "bytes [8, 16) of the data section belong to no tensor (a gap before tensor 'b')"},
      {"trailing bytes", file_of(w, std::string(12, 'x')),
       "the last 4 of the 12 bytes of the data section belong to no tensor"},
      {"metadata not strings", file_of(R"({"__metadata__":{"epoch":3}})", ""),
       "__metadata__.epoch is a number, expected a string"},
      {"bool byte", file_of(one(R"("dtype":"BOOL","shape":[3],"data_offsets":[0,3])"), "\1\0\2"s),
       "tensor 'w' (BOOL) has byte 2 at element 2, expected 0 or 1"},
      {"rank over the limit",
       file_of(one(R"("dtype":"U8","shape":[)" + thirty_three_ones + R"(],"data_offsets":[0,1])"),
               "x"),
       "tensor 'w': shape has 33 dimensions, more than the 32 Tessel reads"},
  };
}

}  // namespace

TEST(Safetensors, MalformedFilesNameTheFileAndTheFault) {
  TempDir dir;
  for (const Malformed& c : malformed_cases()) {
    std::string path = dir.file("bad.safetensors");
    write_bytes(path, c.bytes);
    std::string msg = error_of([&] { read_safetensors(path); });
    EXPECT_NE(msg.find("read_safetensors: " + path + ": "), std::string::npos)
        << c.what << ": " << msg;
    EXPECT_NE(msg.find(c.error), std::string::npos) << c.what << ": " << msg;
  }
}

TEST(Safetensors, TruncatedDataAndMissingFiles) {
  TempDir dir;
  std::string path = dir.file("t.safetensors");
  StateDict d;
  d.insert("w", sample(DType::F32, {4, 4}, 1));
  write_safetensors(path, d);
  fs::resize_file(path, fs::file_size(path) - 3);
  EXPECT_ERROR(read_safetensors(path), "read_safetensors: " + path +
                                           ": tensor 'w': data_offsets [0, 64] end past the data "
                                           "section of 61 bytes (truncated file?)");
  EXPECT_ERROR(read_safetensors(dir.file("none")), "read_safetensors: " + dir.file("none") +
                                                       ": cannot open: No such file or directory");
  EXPECT_ERROR(read_safetensors(dir.path.string()),
               "read_safetensors: " + dir.path.string() + ": not a regular file");
}

// A file that shrinks while it is read gives an Error naming it; a memory map would have been
// killed by SIGBUS reading the pages past the new end.
TEST(Safetensors, AFileTruncatedWhileReadIsAnError) {
  TempDir dir;
  const std::string path = dir.file("shrinking.bin");
  write_bytes(path, std::string(1 << 16, 'x'));
  InputFile file(path, "reader");
  std::string bytes(1 << 16, '\0');
  file.read(0, bytes.data(), 100);
  fs::resize_file(path, 1000);
  EXPECT_EQ(file.size(), uint64_t(1) << 16);  // as opened
  EXPECT_ERROR(file.read(0, bytes.data(), bytes.size()),
               "reader: " + path +
                   ": reading bytes [0, 65536) failed at 1000: the file ends there "
                   "(truncated while being read?)");
}

// --- Atomic writes: a writer that fails leaves no partial file, and an old file as it was.
TEST(Safetensors, FailedWritesLeaveNoPartialFile) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  StateDict old;
  old.insert("old", sample(DType::F32, {8}, 1));
  write_safetensors(path, old);
  const std::string before = read_bytes(path);

  StateDict big;
  big.insert("a", sample(DType::F32, {16}, 2));
  big.insert("b", zeros({1 << 18}));  // 1 MB
  // A full disk, mid-way through the data: the file size limit makes write() fail with EFBIG.
  {
    struct rlimit saved;
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 64 * 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    std::string msg = error_of([&] { write_safetensors(path, big); });
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    EXPECT_NE(msg.find("write_safetensors: " + path + ": writing the temporary file"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("failed after 65536 bytes: File too large"), std::string::npos) << msg;
  }
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"w.safetensors"});

  // Errors found before writing: nothing is created.
  StateDict undefined;
  undefined.insert("a", zeros({2}));
  undefined.insert("b", Tensor());
  std::string fresh = dir.file("fresh.safetensors");
  EXPECT_ERROR(write_safetensors(fresh, undefined),
               "write_safetensors: " + fresh + ": tensor 'b' is undefined");
  StateDict reserved;
  reserved.insert("__metadata__", zeros({1}));
  EXPECT_ERROR(write_safetensors(fresh, reserved), "'__metadata__' is reserved");
  EXPECT_ERROR(write_safetensors(dir.file("no/such/dir/x.safetensors"), old),
               "write_safetensors: " + dir.file("no/such/dir/x.safetensors") +
                   ": cannot create the temporary file");
  if (::geteuid() != 0) {  // root writes into read-only directories
    fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_ERROR(write_safetensors(fresh, old), "Permission denied");
    fs::permissions(dir.path, fs::perms::owner_all);
  }
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"w.safetensors"});

  // A successful write replaces the old file whole.
  write_safetensors(path, big);
  EXPECT_TRUE(same(read_safetensors(path).tensors.at("b"), big.at("b")));
}

// CUDA tensors are written through a host copy, one at a time.
TEST(Safetensors, WritesCudaTensors_CUDA) {
  TempDir dir;
  Tensor host = sample(DType::BF16, {3, 5}, 4);
  StateDict d;
  d.insert("w", host.to(cuda_device(0)).transpose(0, 1));
  write_safetensors(dir.file("c.safetensors"), d);
  Tensor back = read_safetensors(dir.file("c.safetensors")).tensors.at("w");
  EXPECT_EQ(back.device(), kCPU);
  EXPECT_TRUE(same(back, host.transpose(0, 1).contiguous()));
}
