// Drawing the progress line.
#include "cli/db/progress_bar.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "common/byte_size.h"

namespace edgelite::cli {

ProgressBar::ProgressBar(std::ostream& out, uint64_t expected_total)
    : out_(out), expected_total_(expected_total) {}

void ProgressBar::Update(uint64_t done) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done, false);
}

void ProgressBar::Finish(uint64_t done) {
  Draw(done, true);
  out_ << "\n" << std::flush;
}

void ProgressBar::Draw(uint64_t done, bool final) {
  constexpr int kWidth = 30;
  double fraction = final ? 1.0
                          : expected_total_ ? std::min(0.99, double(done) / double(expected_total_))
                                            : 0.0;
  int filled = int(fraction * kWidth);
  std::string bar(size_t(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  std::string total = final ? FormatByteSize(done) : "~" + FormatByteSize(expected_total_);
  out_ << fmt::format("\r[{}] {:3}% {} of {}\x1b[K", bar, int(fraction * 100), FormatByteSize(done),
                      total)
       << std::flush;
}

}  // namespace edgelite::cli
