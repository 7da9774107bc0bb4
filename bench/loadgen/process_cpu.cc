// /proc/<pid>/stat is "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so the
// fields are counted from the last ')'. utime and stime are fields 14 and 15 (proc(5)), the 12th
// and 13th after the ')'.
#include "process_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace edgelite::bench {

std::optional<double> ProcessCpuSeconds(int pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!file || !std::getline(file, stat)) return std::nullopt;
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 1; index <= 13 && (fields >> field); ++index) {
    if (index == 12) utime = std::stoull(field);
    if (index == 13) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) /
         static_cast<double>(ticks_per_second > 0 ? ticks_per_second : 100);
}

}  // namespace edgelite::bench
