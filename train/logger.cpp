#include "train/logger.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/error.h"
#include "engine/cuda/caching_allocator.h"

namespace tessel::train {

CsvLog::CsvLog(const std::string& path, bool append)
    : path_(path), out_(path, append ? std::ios::app : std::ios::trunc) {
  TESSEL_CHECK(out_, "CsvLog: cannot write '", path, "'");
  if (!append || out_.tellp() == 0) out_ << "iteration,name,value\n";
}

void CsvLog::log(int64_t iteration, const std::string& name, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  out_ << iteration << ',' << name << ',' << buf << '\n';
  out_.flush();  // a killed run keeps what it logged
}

ConsoleLog::ConsoleLog(const std::string& path, bool append)
    : out_(path, append ? std::ios::app : std::ios::trunc) {
  TESSEL_CHECK(out_, "ConsoleLog: cannot write '", path, "'");
}

void ConsoleLog::info(const std::string& text) {
  if (!out_.is_open()) return;
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  out_ << text << std::flush;
}

void ConsoleLog::warn(const std::string& text) {
  std::fprintf(stderr, "warning: %s", text.c_str());
  if (out_.is_open()) out_ << "warning: " << text << std::flush;
}

ProgressMeter::ProgressMeter(std::string what, int64_t total,
                             std::function<void(const std::string&)> print, double every_s)
    : what_(std::move(what)),
      total_(total),
      print_(std::move(print)),
      every_s_(every_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressMeter::advance(int64_t count) {
  done_ += count;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < every_s_ || done_ >= total_) return;
  last_ = now;
  const double rate = double(done_) / std::chrono::duration<double>(now - start_).count();
  const auto eta = int64_t(double(total_ - done_) / std::max(rate, 1e-9));
  char buf[160];
  std::snprintf(buf, sizeof buf, ": %lld/%lld  %.1f/s  ETA %lld:%02lld\n", (long long)done_,
                (long long)total_, rate, (long long)(eta / 60), (long long)(eta % 60));
  print_(what_ + buf);
}

std::string format_progress(const ProgressLine& p) {
  int64_t eta = int64_t(p.eta_s);
  char buf[256];
  int n =
      std::snprintf(buf, sizeof buf,
                    "iter %lld/%lld  epoch %lld  loss %.4f  lr %.2e  %.1f img/s  ETA %lld:%02lld",
                    (long long)p.iteration, (long long)p.total, (long long)p.epoch, p.loss, p.lr,
                    p.images_per_s, (long long)(eta / 60), (long long)(eta % 60));
  std::string line(buf, size_t(n));
  if (p.device.is_cuda())
    line +=
        "  mem " + std::to_string(cuda::memory_stats(p.device.index).peak_allocated >> 20) + " MB";
  return line;
}

}  // namespace tessel::train
