// The check's report as people read it: findings first (errors, then what to do), then the class
// table with the weights each scheme would give.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>

#include "core/error.h"
#include "data/check.h"
#include "data/open_dataset.h"

namespace tessel::data {

void print_report(std::ostream& out, const CheckReport& report, const ClassInfo& classes) {
  out << report.samples << " samples, " << classes.num_classes() << " classes, ignore index "
      << classes.ignore_index << "\n";
  for (const Finding& f : report.findings) {
    out << "\n" << (f.error ? "ERROR: " : "warning: ") << f.problem << "\n";
    for (const std::string& e : f.examples) out << "    " << e << "\n";
    if (f.count > int64_t(f.examples.size()))
      out << "    ... and " << f.count - int64_t(f.examples.size()) << " more\n";
    out << "  What to do: " << f.advice << "\n";
  }

  const ClassStats& s = report.stats;
  const int64_t labelled = s.labelled();
  const int64_t all = labelled + s.ignored + s.out_of_range;
  // Effective number with beta = 1 - 1/(mean pixels of a present class): classes rarer than the
  // mean are weighted near 1/f, the commoner ones saturate towards equal weights.
  const int64_t present =
      std::count_if(s.pixels.begin(), s.pixels.end(), [](int64_t n) { return n > 0; });
  const double beta = present > 0 ? 1 - double(present) / double(labelled) : 0;
  const std::vector<std::vector<double>> weights = {
      inverse_frequency_weights(s.pixels), inverse_sqrt_weights(s.pixels),
      inverse_log_weights(s.pixels), effective_number_weights(s.pixels, beta)};
  size_t name_width = 5;
  for (const std::string& n : classes.names) name_width = std::max(name_width, n.size());

  out << "\nClass pixels (share of labelled pixels; masks: how many masks show the class) and "
         "weights\n"
      << std::setw(4) << "id"
      << "  " << std::left << std::setw(int(name_width)) << "class" << std::right << std::setw(14)
      << "pixels" << std::setw(9) << "share" << std::setw(8) << "masks" << std::setw(10) << "1/f"
      << std::setw(10) << "1/sqrt f" << std::setw(10) << "ENet log" << std::setw(10) << "eff. num"
      << "\n";
  out << std::fixed;
  for (size_t c = 0; c < s.pixels.size(); ++c) {
    out << std::setw(4) << c << "  " << std::left << std::setw(int(name_width)) << classes.names[c]
        << std::right << std::setw(14) << s.pixels[c] << std::setw(8) << std::setprecision(2)
        << (labelled > 0 ? 100.0 * double(s.pixels[c]) / double(labelled) : 0.0) << "%"
        << std::setw(8) << s.images[c] << std::setprecision(4);
    // A class with no pixels has no weight to speak of (the schemes divide by its count).
    for (const auto& w : weights)
      if (s.pixels[c] > 0 && std::isfinite(w[c]))
        out << std::setw(10) << w[c];
      else
        out << std::setw(10) << "-";
    out << "\n";
  }
  out << std::setprecision(2) << "ignored pixels: " << s.ignored << " ("
      << (all > 0 ? 100.0 * double(s.ignored) / double(all) : 0.0) << "% of all)\n";
  out.unsetf(std::ios::fixed);

  size_t errors = report.errors();
  out << "\n"
      << (errors == 0 ? "OK" : "FAILED") << ": " << errors << " error(s), "
      << report.findings.size() - errors << " warning(s)\n";
}

int run_check(const std::string& format, const std::string& root, const std::string& split,
              std::ostream& out) {
  std::unique_ptr<Dataset> dataset;
  try {
    dataset = open_dataset(format, root, split);
  } catch (const Error& e) {
    out << "ERROR: cannot open the dataset: " << e.what() << "\n";
    return 1;
  }
  CheckReport report = check_dataset(*dataset);
  print_report(out, report, dataset->classes());
  return report.errors() == 0 ? 0 : 1;
}

}  // namespace tessel::data
