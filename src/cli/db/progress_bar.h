// ProgressBar: one line on a terminal that redraws itself as bytes arrive ("[=====>    ] 41% 41.2
// MB of 100.3 MB"), at most ten times a second. When the total is only an estimate (a database's
// size before its export) the bar stops at 99% until Finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>

namespace edgelite::cli {

class ProgressBar {
 public:
  ProgressBar(std::ostream& out, uint64_t expected_total);
  void Update(uint64_t done);
  // Draws the final state and ends the line.
  void Finish(uint64_t done);

 private:
  void Draw(uint64_t done, bool final);

  std::ostream& out_;
  uint64_t expected_total_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace edgelite::cli
