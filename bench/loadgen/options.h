// Command-line options of edgelite_loadgen. The tool has four commands: `run` (the default; drive
// a workload over HTTP or WebSocket against a server and print one JSON line of results), `setup`
// (create and fill the benchmark tables over Hrana), `wait-ready` (poll a URL path until it answers
// 200, used by the benchmark script to know a server has started) and `free-ports` (print unused
// loopback ports).
#ifndef EDGELITE_BENCH_LOADGEN_OPTIONS_H_
#define EDGELITE_BENCH_LOADGEN_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace edgelite::bench {

enum class Command { kRun, kSetup, kWaitReady, kFreePorts };

enum class Workload { kPointRead, kInsert, kStatic, kWsPointRead };

const char* WorkloadName(Workload workload);

// The WebSocket subprotocol ws-point-read asks for (and insists the server agrees to).
enum class WsProtocol { kHrana2, kHrana3, kHrana3Protobuf };

const char* WsProtocolName(WsProtocol protocol);

struct Options {
  Command command = Command::kRun;
  Workload workload = Workload::kPointRead;
  std::string host = "127.0.0.1";
  int port = 8080;
  int connections = 16;
  double seconds = 8;
  double warmup = 2;
  int threads = 1;
  std::string auth_token;        // Sent as "Authorization: Bearer <token>" when not empty.
  int64_t rows = 100000;         // Rows in table `bench`; point reads pick ids in 1..rows.
  int batch_rows = 1000;         // Rows per INSERT statement during setup.
  std::string path;              // Request path; defaults by workload or command.
  double timeout = 20;           // Seconds wait-ready keeps trying.
  int port_count = 1;            // How many ports free-ports prints.
  uint64_t seed = 0x5eed0f10ad;  // Seeds ids and texts so runs are reproducible.
  std::string label;             // Free text copied into the JSON result (e.g. the server's name).
  int pipeline = 1;              // ws-point-read: requests kept in flight on each socket.
  WsProtocol ws_protocol = WsProtocol::kHrana3;
  // When set, the server's CPU time over the measured window is read from /proc/<pid>/stat.
  int server_pid = 0;
};

// Parses argv. On bad input prints the reason and usage to stderr and returns nullopt; on --help
// prints usage to stdout and exits.
std::optional<Options> ParseOptions(int argc, char** argv);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_OPTIONS_H_
