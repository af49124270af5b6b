#include "data/augment.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "data/geometric.h"
#include "data/photometric.h"

namespace tessel::data {
namespace {

// One step's options. It remembers the keys a step asks for, so that a key nobody asked for is
// reported together with the valid ones.
class Options {
 public:
  explicit Options(const Step& step) : step_(step) {}

  // A comma-separated list of numbers; `fallback` is used when the key is absent (nullptr: the
  // key is required).
  std::vector<double> numbers(const std::string& key, const char* fallback) {
    known_.push_back(key);
    auto it = step_.options.find(key);
    TESSEL_CHECK(it != step_.options.end() || fallback, "augmentation '", step_.name, "': key '",
                 key, "' is required");
    text_ = it != step_.options.end() ? it->second : fallback;
    std::vector<double> out;
    std::istringstream in(text_);
    for (std::string item; std::getline(in, item, ',');) {
      char* end = nullptr;
      out.push_back(std::strtod(item.c_str(), &end));
      require(end != item.c_str() && *end == '\0' && std::isfinite(out.back()), key,
              "is not a number or a comma-separated list of numbers");
    }
    require(!out.empty(), key, "is empty");
    return out;
  }
  double number(const std::string& key, const char* fallback) {
    std::vector<double> v = numbers(key, fallback);
    require(v.size() == 1, key, "must be one number");
    return v[0];
  }
  double probability(const char* fallback = "0.5") {
    double p = number("p", fallback);
    require(p >= 0 && p <= 1, "p", "must lie in [0, 1]");
    return p;
  }
  // "a,b" with a <= b, or "v" for the fixed value v.
  Range range(const std::string& key, const char* fallback) {
    std::vector<double> v = numbers(key, fallback);
    require(v.size() <= 2 && v.front() <= v.back(), key, "must be 'low,high' or one number");
    return {v.front(), v.back()};
  }
  // "h,w" or "s" for a square, positive integers (zero too when `allow_zero`).
  std::array<int64_t, 2> size(const std::string& key, const char* fallback,
                              bool allow_zero = false) {
    std::vector<double> v = numbers(key, fallback);
    require(v.size() <= 2, key, "must be 'height,width' or one number");
    for (double x : v)
      require(x == std::floor(x) && (x > 0 || (allow_zero && x == 0)), key,
              allow_zero ? "must hold non-negative integers" : "must hold positive integers");
    return {int64_t(v.front()), int64_t(v.back())};
  }
  // The number just read must satisfy `cond`.
  void require(bool cond, const std::string& key, const char* why) const {
    TESSEL_CHECK(cond, "augmentation '", step_.name, "': key '", key, "' = '", text_, "' ", why);
  }
  void finish() const {
    for (const auto& [key, value] : step_.options)
      TESSEL_CHECK(std::find(known_.begin(), known_.end(), key) != known_.end(), "augmentation '",
                   step_.name, "': unknown key '", key, "'; valid keys: ", join(known_));
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }

 private:
  const Step& step_;
  std::vector<std::string> known_;
  std::string text_;
};

// mmseg's cat_max_ratio test: the window holds at least two labelled classes and none of them
// covers `ratio` or more of its labelled pixels.
bool balanced(const Mask& m, int64_t top, int64_t left, int64_t h, int64_t w, uint8_t ignore,
              double ratio) {
  std::array<int64_t, 256> count{};
  for (int64_t y = top; y < top + h; ++y)
    for (int64_t x = left; x < left + w; ++x) ++count[m.labels[size_t(y * m.width + x)]];
  count[ignore] = 0;
  int64_t total = 0, most = 0, classes = 0;
  for (int64_t c : count) total += c, most = std::max(most, c), classes += c > 0;
  return classes > 1 && double(most) < ratio * double(total);
}

Pipeline::Transform make_resize(Options& o) {
  Range scale = o.range("scale", "1");
  o.require(scale.lo > 0, "scale", "must be positive");
  Range aspect = o.range("aspect", "1");
  o.require(aspect.lo > 0, "aspect", "must be positive");
  std::array<int64_t, 2> fit = o.size("size", "0", true);
  return [=](Sample& s, Rng& rng) {
    double h = double(s.image.height), w = double(s.image.width), f = 1;
    if (fit[0] >
        0)  // mmcv's keep-ratio rescale: long edge within the long side, short within short
      f = std::min(double(std::max(fit[0], fit[1])) / std::max(h, w),
                   double(std::min(fit[0], fit[1])) / std::min(h, w));
    double r = f * rng.uniform(scale), a = std::sqrt(rng.uniform(aspect));
    resize(s, std::max<int64_t>(1, std::llround(h * r / a)),
           std::max<int64_t>(1, std::llround(w * r * a)));
  };
}

Pipeline::Transform make_crop(Options& o) {
  std::array<int64_t, 2> size = o.size("size", nullptr);
  double ratio = o.number("cat_max_ratio", "1");
  o.require(ratio > 0 && ratio <= 1, "cat_max_ratio", "must lie in (0, 1]");
  double pad = o.number("pad", "0");
  auto ignore = uint8_t(o.size("ignore", "255", true)[0]);
  return [=](Sample& s, Rng& rng) {
    const int64_t h = size[0], w = size[1];
    pad_to(s, h, w, pad, ignore);
    auto pick = [&] {
      int64_t top = rng.randint(0, s.image.height - h + 1);
      return std::array<int64_t, 2>{top, rng.randint(0, s.image.width - w + 1)};
    };
    std::array<int64_t, 2> at = pick();
    for (int i = 0; ratio < 1 && i < 10 && !balanced(s.mask, at[0], at[1], h, w, ignore, ratio);
         ++i)
      at = pick();
    crop(s, at[0], at[1], h, w);
  };
}

Pipeline::Transform make_flip(Options& o, void (*flip)(Sample&)) {
  double p = o.probability();
  return [=](Sample& s, Rng& rng) {
    if (rng.bernoulli(p)) flip(s);
  };
}

Pipeline::Transform make_rotate(Options& o) {
  double p = o.probability();
  Range degrees = o.range("degrees", "-10,10");
  if (degrees.lo == degrees.hi) degrees = {-std::abs(degrees.lo), std::abs(degrees.lo)};
  double fill = o.number("fill", "0");
  auto ignore = uint8_t(o.size("ignore", "255", true)[0]);
  return [=](Sample& s, Rng& rng) {
    if (rng.bernoulli(p)) rotate(s, rng.uniform(degrees), fill, ignore);
  };
}

Pipeline::Transform make_photometric(Options& o) {
  PhotometricOptions p{o.number("brightness", "32"), o.range("contrast", "0.5,1.5"),
                       o.range("saturation", "0.5,1.5"), int64_t(o.size("hue", "18", true)[0])};
  return [=](Sample& s, Rng& rng) { photometric_distortion(s.image, rng, p); };
}

Pipeline::Transform make_blur(Options& o) {
  double p = o.probability();
  int64_t kernel = o.size("kernel", "5")[0];
  o.require(kernel % 2 == 1, "kernel", "must be odd");
  Range sigma = o.range("sigma", "0.1,2.0");
  o.require(sigma.lo > 0, "sigma", "must be positive");
  return [=](Sample& s, Rng& rng) {
    if (rng.bernoulli(p)) gaussian_blur(s.image, kernel, rng.uniform(sigma));
  };
}

using Factory = Pipeline::Transform (*)(Options&);
const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> f = {
      {"resize", make_resize},
      {"crop", make_crop},
      {"hflip", [](Options& o) { return make_flip(o, hflip); }},
      {"vflip", [](Options& o) { return make_flip(o, vflip); }},
      {"rotate", make_rotate},
      {"photometric", make_photometric},
      {"blur", make_blur},
  };
  return f;
}

}  // namespace

Pipeline Pipeline::from_description(const std::vector<Step>& steps) {
  Pipeline p;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    Options o(step);
    if (step.name == "normalize") {
      TESSEL_CHECK(i + 1 == steps.size(), "augmentation 'normalize' must be the last step (it is ",
                   i + 1, " of ", steps.size(), ")");
      p.normalize_ = {o.numbers("mean", "0"), o.numbers("std", "1")};
      for (double s : p.normalize_.std) o.require(s > 0, "std", "must be positive");
    } else {
      auto it = factories().find(step.name);
      if (it == factories().end()) {
        std::vector<std::string> names{"normalize"};
        for (const auto& [name, make] : factories()) names.push_back(name);
        std::sort(names.begin(), names.end());
        TESSEL_FAIL("unknown augmentation '", step.name, "'; valid: ", Options::join(names));
      }
      p.transforms_.push_back(it->second(o));
    }
    o.finish();
  }
  return p;
}

void Pipeline::apply(Sample& s, Rng& rng) const {
  for (const Transform& t : transforms_) t(s, rng);
}

}  // namespace tessel::data
