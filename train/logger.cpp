#include "train/logger.h"

#include <cstdio>

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
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  out_ << text << std::flush;
}

void ConsoleLog::warn(const std::string& text) {
  std::fprintf(stderr, "warning: %s", text.c_str());
  out_ << "warning: " << text << std::flush;
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
