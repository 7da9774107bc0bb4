// edgelite_loadgen: the load generator behind bench/run_http_bench.sh and bench/run_ws_bench.sh.
// It measures Hrana point reads and inserts over HTTP (and a static GET for the nginx floor) and
// pipelined point reads over Hrana-over-WebSocket against any server on a port and prints one
// JSON line per run, so edgelite and the real sqld are measured by the same client in
// the same way. See bench/README.md for the method.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "blocking_http_client.h"
#include "http_request_writer.h"
#include "json_scan.h"
#include "load_runner.h"
#include "options.h"
#include "socket_util.h"
#include "table_setup.h"

namespace edgelite::bench {
namespace {

int PrintRunResult(const Options& options, const LoadResult& result) {
  const double seconds = result.measured_seconds;
  std::string line = "{";
  auto field = [&line](const char* name, const std::string& value) {
    if (line.size() > 1) line += ',';
    line += '"';
    line += name;
    line += "\":";
    line += value;
  };
  auto text = [](std::string_view value) { return "\"" + json::Escape(value) + "\""; };
  auto number = [](double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
    return std::string(buffer);
  };
  field("workload", text(WorkloadName(options.workload)));
  field("connections", std::to_string(options.connections));
  field("seconds", number(seconds, 3));
  field("requests_ok", std::to_string(result.ok));
  field("errors", std::to_string(result.errors()));
  field("rps", number(seconds > 0 ? static_cast<double>(result.ok) / seconds : 0, 1));
  field("p50_us", number(result.latency.ValueAtQuantile(0.50) / 1000, 1));
  field("p99_us", number(result.latency.ValueAtQuantile(0.99) / 1000, 1));
  field("p999_us", number(result.latency.ValueAtQuantile(0.999) / 1000, 1));
  field("max_us", number(static_cast<double>(result.latency.max()) / 1000, 1));
  field("label", text(options.label));
  field("threads", std::to_string(options.threads));
  field("warmup", number(options.warmup, 3));
  field("unfinished", std::to_string(result.unfinished));
  field("reconnects", std::to_string(result.reconnects));
  std::string kinds = "{";
  for (int i = 1; i < kFailureKinds; ++i) {
    if (i > 1) kinds += ',';
    kinds += text(FailureName(static_cast<Failure>(i))) + ":" + std::to_string(result.failures[i]);
  }
  kinds += "}";
  field("errors_by_kind", kinds);
  field("first_error", text(result.first_error));
  if (options.workload == Workload::kWsPointRead) {
    field("ws_protocol", text(WsProtocolName(options.ws_protocol)));
    field("pipeline", std::to_string(options.pipeline));
  }
  if (result.client_cpu_seconds) {
    // Near `threads` seconds per second means the generator, not the server, set the pace.
    field("client_cpu_s", number(*result.client_cpu_seconds, 3));
  }
  if (result.server_cpu_seconds) {
    // CPU per verified request, so protocols can be compared on cost as well as throughput.
    field("server_cpu_s", number(*result.server_cpu_seconds, 3));
    // Left out when nothing succeeded, so a summary shows "n/a" rather than a cost of zero.
    if (result.ok > 0) {
      field("server_cpu_us_per_request",
            number(*result.server_cpu_seconds * 1e6 / static_cast<double>(result.ok), 2));
    }
  }
  line += "}\n";
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

int WaitReady(const Options& options, const Endpoint& endpoint) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(options.timeout);
  HttpRequestWriter writer(options.host, options.port, options.auth_token);
  std::string request;
  writer.Get(options.path, &request);
  std::string last_problem = "no attempt made";
  while (std::chrono::steady_clock::now() < deadline) {
    BlockingHttpClient client(endpoint, std::min(1.0, options.timeout));
    HttpResponse response;
    if (client.RoundTrip(request, &response, &last_problem)) {
      if (response.status == 200) return 0;
      last_problem = "HTTP " + std::to_string(response.status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "wait-ready: %s:%d%s not ready after %.1f s (last: %s)\n",
               options.host.c_str(), options.port, options.path.c_str(), options.timeout,
               last_problem.c_str());
  return 1;
}

// Binds all sockets before closing any, so the ports printed are distinct; the kernel does not
// hand a just-closed ephemeral port straight back, which keeps the race with the servers small.
int PrintFreePorts(int count) {
  std::vector<int> sockets;
  std::string line;
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::perror("free-ports");
      return 1;
    }
    sockets.push_back(fd);
    if (i > 0) line += ' ';
    line += std::to_string(ntohs(address.sin_port));
  }
  for (const int fd : sockets) close(fd);
  std::printf("%s\n", line.c_str());
  return 0;
}

int Main(int argc, char** argv) {
  const auto options = ParseOptions(argc, argv);
  if (!options) return 2;
  if (options->command == Command::kFreePorts) return PrintFreePorts(options->port_count);

  Endpoint endpoint;
  std::string error;
  if (!ResolveEndpoint(options->host, options->port, &endpoint, &error)) {
    std::fprintf(stderr, "edgelite_loadgen: %s\n", error.c_str());
    return 2;
  }
  switch (options->command) {
    case Command::kRun:
      return PrintRunResult(*options, RunLoad(*options, endpoint));
    case Command::kSetup:
      return RunSetup(*options, endpoint);
    case Command::kWaitReady:
      return WaitReady(*options, endpoint);
    case Command::kFreePorts:
      break;
  }
  return 0;
}

}  // namespace
}  // namespace edgelite::bench

int main(int argc, char** argv) {
  return edgelite::bench::Main(argc, argv);
}
