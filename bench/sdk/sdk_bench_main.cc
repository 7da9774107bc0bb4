// edgelite_sdk_bench: the SDK side of bench/run_sdk_bench.sh. It links only libedgelite.so
// (edgelite::edgelite) and includes only the public headers, as an application does; raw SQLite
// is measured by a separate program (edgelite_raw_sqlite_bench), because two copies of SQLite in
// one process would each keep their own POSIX lock table for the same file
// (sqlite.org/howtocorrupt).
//
//   edgelite_sdk_bench make-local --path P --rows N
//   edgelite_sdk_bench read       --path P [--sync-url U] [--api prepare|execute] --rows N
//                                 --seconds S [--warmup S] [--label L]
//   edgelite_sdk_bench sync       --path P --sync-url U [--workload initial-sync|catch-up]
//                                 [--check-table T] [--label L]
//   edgelite_sdk_bench sustain    --path P --sync-url U [--mode live|loop] [--sample-ms MS]
//                                 [--label L] -- WRITER ARGS...
//   edgelite_sdk_bench lag        --path P --sync-url U --visible-log F [--label L] -- WRITER...
//   edgelite_sdk_bench lag-report --ack-log A --visible-log V [--workload W] [--label L]
//
// Each prints one JSON line; failures go to stderr with a non-zero status.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "sdk_commands.h"

int main(int argc, char** argv) {
  using edgelite::bench::Flags;
  const std::map<std::string, int (*)(const Flags&)> commands = {
      {"make-local", edgelite::bench::MakeLocal},
      {"read", edgelite::bench::PointReads},
      {"sync", edgelite::bench::SyncToHead},
      {"sustain", edgelite::bench::Sustain},
      {"lag", edgelite::bench::Lag},
      {"lag-report", edgelite::bench::LagReport},
  };
  auto command = argc >= 2 ? commands.find(argv[1]) : commands.end();
  if (command == commands.end()) {
    std::fprintf(stderr,
                 "usage: %s make-local|read|sync|sustain|lag|lag-report --flag value ... "
                 "(see the top of bench/sdk/sdk_bench_main.cc)\n",
                 argv[0]);
    return 2;
  }
  return command->second(Flags(argc, argv, 2));
}
