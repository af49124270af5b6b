// The main job until the training runner exists: a small encoder-decoder segmentation network,
// written directly with engine ops, trained on built-in synthetic data (rectangles and discs of
// class-typical colours on a noisy background, a one-pixel ignored band around each shape as in
// Pascal VOC), on the GPU when there is one. Uses the segmentation kernels end to end: fused
// cross-entropy with ignore_index, bilinear upsampling in the decoder, the confusion matrix and
// boundary IoU on the device. Prints the loss as it goes down, then per-class validation metrics.
//
//   tiny_train [--steps N] [--batch B] [--size S] [--lr LR] [--device cpu|cuda] [--seed S]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/cuda/caching_allocator.h"
#include "engine/metrics.h"
#include "engine/ops.h"
#include "engine/ops/confusion.h"
#include "engine/ops/conv.h"
#include "engine/ops/loss.h"
#include "engine/ops/norm.h"
#include "engine/ops/shape.h"
#include "engine/ops/upsample.h"

using namespace tessel;

namespace {

constexpr int64_t kClasses = 3;  // background, rectangle, disc
constexpr int64_t kIgnore = 255;

struct Options {
  int steps = 200, batch = 16, size = 64, seed = 0;
  double lr = 0.05;
  std::string device = cuda::is_available() ? "cuda" : "cpu";
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    TESSEL_CHECK(i + 1 < argc, "tiny_train: option ", a, " needs a value");
    std::string v = argv[++i];
    if (a == "--steps")
      o.steps = std::stoi(v);
    else if (a == "--batch")
      o.batch = std::stoi(v);
    else if (a == "--size")
      o.size = std::stoi(v);
    else if (a == "--lr")
      o.lr = std::stod(v);
    else if (a == "--device")
      o.device = v;
    else if (a == "--seed")
      o.seed = std::stoi(v);
    else
      TESSEL_FAIL("tiny_train: unknown option ", a);
  }
  TESSEL_CHECK(o.size % 2 == 0 && o.size >= 8, "tiny_train: --size must be even and >= 8");
  return o;
}

// A batch of images [B, 3, S, S] and labels [B, S, S] (i64). Each class has a typical colour,
// perturbed per shape and per pixel, so colour alone is ambiguous near the noise level and the
// network has to use neighbourhoods.
std::pair<Tensor, Tensor> make_batch(int batch, int size, std::mt19937& rng, Device device) {
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> noise(0, 0.25f);
  const float colour[kClasses][3] = {{0.2f, 0.2f, 0.2f}, {0.9f, 0.3f, 0.2f}, {0.3f, 0.4f, 0.9f}};
  std::vector<float> img(size_t(batch) * 3 * size * size);
  std::vector<int64_t> lab(size_t(batch) * size * size, 0);
  for (int b = 0; b < batch; ++b) {
    int shapes = 1 + int(u(rng) * 3);
    for (int s = 0; s < shapes; ++s) {
      int cls = 1 + int(u(rng) * 2);
      float cy = u(rng) * size, cx = u(rng) * size, r = size * (0.12f + 0.2f * u(rng));
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
          bool in = cls == 1 ? std::abs(y - cy) < r && std::abs(x - cx) < r * 0.7f
                             : (y - cy) * (y - cy) + (x - cx) * (x - cx) < r * r;
          if (in) lab[size_t((b * size + y) * size + x)] = cls;
        }
    }
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        int64_t cls = lab[size_t((b * size + y) * size + x)];
        for (int c = 0; c < 3; ++c)
          img[size_t(((b * 3 + c) * size + y) * size + x)] = colour[cls][c] + noise(rng);
      }
  }
  // Pixels on a class boundary are ignored, as Pascal VOC marks its object outlines.
  std::vector<int64_t> band = lab;
  for (int b = 0; b < batch; ++b)
    for (int y = 1; y + 1 < size; ++y)
      for (int x = 1; x + 1 < size; ++x) {
        size_t i = size_t((b * size + y) * size + x);
        if (lab[i] != lab[i + 1] || lab[i] != lab[i + size_t(size)]) band[i] = kIgnore;
      }
  lab = band;
  return {from_vector(img, {batch, 3, size, size}).to(device),
          from_vector(lab, {batch, size, size}, DType::I64).to(device)};
}

// conv -> batch norm -> ReLU, with PyTorch's default initialisation (kaiming-uniform, a=sqrt(5)).
struct ConvBnRelu {
  Tensor w, gamma, beta, mean, var;
  int64_t pad, dil, stride;
  ConvBnRelu(int64_t cin, int64_t cout, int64_t k, Device d, Generator& g, int64_t stride = 1,
             int64_t dil = 1)
      : pad(dil * (k / 2)), dil(dil), stride(stride) {
    double bound = 1.0 / std::sqrt(double(cin * k * k));
    w = ((rand({cout, cin, k, k}, {DType::F32, d}, &g) * 2.0 - 1.0) * bound)
            .detach()
            .requires_grad_();
    gamma = ones({cout}, {DType::F32, d}).requires_grad_();
    beta = zeros({cout}, {DType::F32, d}).requires_grad_();
    mean = zeros({cout}, {DType::F32, d});
    var = ones({cout}, {DType::F32, d});
  }
  Tensor operator()(const Tensor& x, bool training) const {
    Tensor y = conv2d(x, w, Tensor(), {stride, stride}, {pad, pad}, {dil, dil});
    return relu(batch_norm(y, mean, var, gamma, beta, training));
  }
  std::vector<Tensor> params() const { return {w, gamma, beta}; }
};

struct TinySegNet {
  ConvBnRelu enc1, enc2, ctx;
  Tensor head_w, head_b;
  TinySegNet(Device d, Generator& g)
      : enc1(3, 16, 3, d, g), enc2(16, 32, 3, d, g, 2), ctx(32, 32, 3, d, g, 1, 2) {
    head_w = ((rand({kClasses, 48, 1, 1}, {DType::F32, d}, &g) * 2.0 - 1.0) * 0.14)
                 .detach()
                 .requires_grad_();
    head_b = zeros({kClasses}, {DType::F32, d}).requires_grad_();
  }
  Tensor forward(const Tensor& x, bool training) const {
    Tensor f1 = enc1(x, training);                  // [B,16,S,S]
    Tensor f2 = ctx(enc2(f1, training), training);  // [B,32,S/2,S/2], dilated
    Tensor up = upsample_bilinear(f2, {.size = Size2{x.size(2), x.size(3)}});  // [B,32,S,S]
    return conv2d(cat({f1, up}, 1), head_w, head_b);                           // skip connection
  }
  std::vector<Tensor> params() const {
    std::vector<Tensor> p;
    for (const auto* m : {&enc1, &enc2, &ctx})
      for (auto& t : m->params()) p.push_back(t);
    for (auto& t : {head_w, head_b}) p.push_back(t);
    return p;
  }
};

}  // namespace

int main(int argc, char** argv) try {
  Options o = parse(argc, argv);
  Device device(o.device);
  std::printf("tiny_train: %d steps, batch %d of %dx%d images, %lld classes, on %s\n", o.steps,
              o.batch, o.size, o.size, (long long)kClasses, device.str().c_str());
  std::mt19937 rng(uint32_t(o.seed));
  Generator g(uint64_t(o.seed));
  TinySegNet net(device, g);
  std::vector<Tensor> params = net.params(), velocity;
  for (auto& p : params) velocity.push_back(zeros_like(p));

  CrossEntropyOptions ce;
  ce.ignore_index = kIgnore;
  auto t0 = std::chrono::steady_clock::now();
  double first = 0, last = 0;
  for (int step = 1; step <= o.steps; ++step) {
    auto [x, y] = make_batch(o.batch, o.size, rng, device);
    Tensor loss = cross_entropy(net.forward(x, true), y, ce);
    loss.backward();
    double lr = o.lr * 0.5 * (1 + std::cos(M_PI * (step - 1) / o.steps));  // cosine schedule
    {
      NoGradGuard no_grad;  // SGD, momentum 0.9, weight decay 1e-4
      for (size_t i = 0; i < params.size(); ++i) {
        Tensor grad = params[i].grad() + params[i] * 1e-4;
        mul_(velocity[i], scalar_tensor(0.9, {DType::F32, device}));
        add_(velocity[i], grad);
        sub_(params[i], velocity[i], lr);
        params[i].set_grad(Tensor());
      }
    }
    last = loss.item();
    if (step == 1) first = last;
    if (step == 1 || step % 10 == 0 || step == o.steps)
      std::printf("step %4d  loss %.4f  lr %.4f\n", step, last, lr);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Validation on new images, in eval mode (running statistics), counted on the device.
  NoGradGuard no_grad;
  ConfusionMatrix cm(kClasses, device, kIgnore);
  BoundaryIou boundary(kClasses, 2, device, kIgnore);
  for (int i = 0; i < 4; ++i) {
    auto [x, y] = make_batch(16, o.size, rng, device);
    Tensor logits = net.forward(x, false);
    cm.update(logits, y);
    boundary.update(argmax(logits, 1), y);
  }
  SegmentationMetrics m = segmentation_metrics(cm.read());
  std::printf("loss %.4f -> %.4f in %.1f s (%.1f ms/step)\n", first, last, secs,
              1e3 * secs / o.steps);
  std::printf("validation (64 images):\n%s",
              metrics_table(m, {"background", "rectangle", "disc"}).c_str());
  std::optional<double> biou = boundary_metrics(boundary.read()).mean_iou.value;
  std::printf("boundary mIoU (d=2): %.2f%%\n", biou ? 100.0 * *biou : 0.0);
  if (device.is_cuda())
    std::printf("peak CUDA memory: %.1f MB\n",
                double(cuda::memory_stats(device.index).peak_allocated) / 1e6);
  return last < first && m.mean_iou.value ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "tiny_train: %s\n", e.what());
  return 1;
}
