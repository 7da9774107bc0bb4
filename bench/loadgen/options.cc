// Hand-written option parsing: the load generator links nothing but the standard library so it
// builds in seconds and cannot be slowed by anything the server pulls in.
#include "options.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace edgelite::bench {
namespace {

constexpr const char* kUsage = R"(usage:
  edgelite_loadgen [run] --workload point-read|insert|static|ws-point-read [options]
  edgelite_loadgen setup [--rows N] [--batch-rows N] [connection options]
  edgelite_loadgen wait-ready [--path /health] [--timeout SECONDS] [connection options]
  edgelite_loadgen free-ports [--count N]

connection options:
  --host HOST          server address (default 127.0.0.1)
  --port PORT          server port (default 8080)
  --auth-token TOKEN   send "Authorization: Bearer TOKEN" (ws-point-read: the JWT in hello)

run options:
  --connections N      keep-alive connections (or WebSockets), one request in flight on each
                       unless --pipeline says otherwise (default 16)
  --seconds S          measured duration (default 8)
  --warmup S           unmeasured warm-up before it (default 2)
  --threads N          event-loop threads sharing the connections (default 1)
  --rows N             point reads pick ids in 1..N (default 100000)
  --path PATH          request path (default /v2/pipeline, or / for static and ws-point-read)
  --seed N             seed for ids and texts
  --label TEXT         copied into the JSON result
  --server-pid PID     also report the server process's CPU time over the measured window
                       (from /proc/PID/stat) and per successful request

ws-point-read options (Hrana over WebSocket on --path, default /):
  --ws-protocol P      hrana2, hrana3 or hrana3-protobuf (default hrana3)
  --pipeline K         execute requests kept in flight on each socket (default 1)

run prints one JSON line: workload, connections, seconds, requests_ok, errors, rps, p50_us,
p99_us, p999_us, and details (client_cpu_s; ws_protocol and pipeline for ws-point-read;
server_cpu_s and server_cpu_us_per_request with --server-pid). Only responses that were verified
as successful count as ok.
)";

template <typename Number>
bool ParseNumber(std::string_view text, Number* out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseWorkload(std::string_view name, Workload* out) {
  if (name == "point-read") {
    *out = Workload::kPointRead;
  } else if (name == "insert") {
    *out = Workload::kInsert;
  } else if (name == "static") {
    *out = Workload::kStatic;
  } else if (name == "ws-point-read") {
    *out = Workload::kWsPointRead;
  } else {
    return false;
  }
  return true;
}

bool ParseWsProtocol(std::string_view name, WsProtocol* out) {
  for (const WsProtocol protocol :
       {WsProtocol::kHrana2, WsProtocol::kHrana3, WsProtocol::kHrana3Protobuf}) {
    if (name == WsProtocolName(protocol)) {
      *out = protocol;
      return true;
    }
  }
  return false;
}

std::optional<Options> Reject(const std::string& reason) {
  std::fprintf(stderr, "edgelite_loadgen: %s\n\n%s", reason.c_str(), kUsage);
  return std::nullopt;
}

}  // namespace

const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kPointRead:
      return "point-read";
    case Workload::kInsert:
      return "insert";
    case Workload::kStatic:
      return "static";
    case Workload::kWsPointRead:
      return "ws-point-read";
  }
  return "unknown";
}

const char* WsProtocolName(WsProtocol protocol) {
  switch (protocol) {
    case WsProtocol::kHrana2:
      return "hrana2";
    case WsProtocol::kHrana3:
      return "hrana3";
    case WsProtocol::kHrana3Protobuf:
      return "hrana3-protobuf";
  }
  return "unknown";
}

std::optional<Options> ParseOptions(int argc, char** argv) {
  Options options;
  int i = 1;
  if (i < argc && argv[i][0] != '-') {
    const std::string_view command = argv[i++];
    if (command == "run") {
      options.command = Command::kRun;
    } else if (command == "setup") {
      options.command = Command::kSetup;
    } else if (command == "wait-ready") {
      options.command = Command::kWaitReady;
    } else if (command == "free-ports") {
      options.command = Command::kFreePorts;
    } else {
      return Reject("unknown command '" + std::string(command) + "'");
    }
  }
  bool have_workload = false;
  for (; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) return Reject("missing value after " + std::string(flag));
    const std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--workload") {
      ok = ParseWorkload(value, &options.workload);
      have_workload = ok;
    } else if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      ok = ParseNumber(value, &options.port) && options.port > 0 && options.port < 65536;
    } else if (flag == "--connections") {
      ok = ParseNumber(value, &options.connections) && options.connections > 0;
    } else if (flag == "--seconds") {
      ok = ParseNumber(value, &options.seconds) && options.seconds > 0;
    } else if (flag == "--warmup") {
      ok = ParseNumber(value, &options.warmup) && options.warmup >= 0;
    } else if (flag == "--threads") {
      ok = ParseNumber(value, &options.threads) && options.threads > 0;
    } else if (flag == "--auth-token") {
      options.auth_token = value;
    } else if (flag == "--rows") {
      ok = ParseNumber(value, &options.rows) && options.rows > 0;
    } else if (flag == "--batch-rows") {
      ok = ParseNumber(value, &options.batch_rows) && options.batch_rows > 0;
    } else if (flag == "--path") {
      options.path = value;
      ok = !value.empty() && value.front() == '/';
    } else if (flag == "--timeout") {
      ok = ParseNumber(value, &options.timeout) && options.timeout > 0;
    } else if (flag == "--count") {
      ok = ParseNumber(value, &options.port_count) && options.port_count > 0;
    } else if (flag == "--seed") {
      ok = ParseNumber(value, &options.seed);
    } else if (flag == "--label") {
      options.label = value;
    } else if (flag == "--pipeline") {
      ok =
          ParseNumber(value, &options.pipeline) && options.pipeline > 0 && options.pipeline <= 4096;
    } else if (flag == "--ws-protocol") {
      ok = ParseWsProtocol(value, &options.ws_protocol);
    } else if (flag == "--server-pid") {
      ok = ParseNumber(value, &options.server_pid) && options.server_pid > 0;
    } else {
      return Reject("unknown option " + std::string(flag));
    }
    if (!ok) return Reject("bad value '" + std::string(value) + "' for " + std::string(flag));
  }
  if (options.command == Command::kRun && !have_workload) return Reject("--workload is required");
  if (options.threads > options.connections) options.threads = options.connections;
  if (options.path.empty()) {
    if (options.command == Command::kWaitReady) {
      options.path = "/health";
    } else if (options.command == Command::kRun && (options.workload == Workload::kStatic ||
                                                    options.workload == Workload::kWsPointRead)) {
      options.path = "/";
    } else {
      options.path = "/v2/pipeline";
    }
  }
  return options;
}

}  // namespace edgelite::bench
