// Flags: the command line of the SDK benchmark programs (edgelite_sdk_bench and
// edgelite_raw_sqlite_bench). Every subcommand takes `--name value` pairs, and some end with
// `-- COMMAND ARGS...`, a child process they start and measure against (a load generator or a
// writer). A bad or missing flag ends the program with a message: these are tools run by
// bench/run_sdk_bench.sh, which reports the failing step.
#ifndef EDGELITE_BENCH_SDK_FLAGS_H_
#define EDGELITE_BENCH_SDK_FLAGS_H_

#include <map>
#include <string>
#include <vector>

namespace edgelite::bench {

class Flags {
 public:
  // argv[first] onwards.
  Flags(int argc, char** argv, int first);

  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  // The value of --name; ends the program when it is missing.
  const std::string& String(const std::string& name) const;
  std::string StringOr(const std::string& name, const std::string& fallback) const;
  double Number(const std::string& name) const;
  double NumberOr(const std::string& name, double fallback) const;
  // The words after `--`, if any.
  const std::vector<std::string>& command() const { return command_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> command_;
};

// Prints the message to stderr, stops a writer this program started (ChildProcess) and exits with
// status 1.
[[noreturn]] void Fail(const std::string& message);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_FLAGS_H_
