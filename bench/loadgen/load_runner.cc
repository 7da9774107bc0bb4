// The epoll event loop behind RunLoad. Each connection moves through
// closed -> connecting -> sending -> receiving -> sending ... ; a connection-level failure (reset,
// refused, unparseable reply) closes it and schedules a reconnect after a short back-off, while an
// HTTP or Hrana error is only counted and the connection carries on, as a real client would.
// Level-triggered epoll is used and EPOLLOUT is asked for only while a request is partly
// written, so an idle wait costs no wake-ups.
#include "load_runner.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "http_response_parser.h"
#include "process_cpu.h"
#include "run_clock.h"
#include "workload.h"
#include "ws_load_worker.h"

namespace edgelite::bench {
namespace {

// Back-off before reconnecting, so a server that refuses connections is not hammered in a spin.
constexpr Nanoseconds kReconnectDelay = 20'000'000;
// Failures echoed to stderr per thread; the rest are only counted.
constexpr int kFailuresToPrint = 3;

struct Connection {
  enum class Phase { kClosed, kConnecting, kSending, kReceiving };
  Phase phase = Phase::kClosed;
  int fd = -1;
  bool wants_writable = false;  // EPOLLOUT currently registered.
  std::string out;
  size_t out_sent = 0;
  std::string in;
  HttpResponseParser parser;
  Nanoseconds request_started = 0;
  Nanoseconds reconnect_at = 0;
  bool ever_opened = false;
};

class EventLoopWorker {
 public:
  EventLoopWorker(const Options& options, const Endpoint& endpoint, int connection_count,
                  uint64_t seed, Timing timing)
      : endpoint_(endpoint),
        generator_(options, seed),
        connections_(connection_count),
        timing_(timing),
        closed_count_(connection_count) {}

  EventLoopWorker(const EventLoopWorker&) = delete;
  EventLoopWorker& operator=(const EventLoopWorker&) = delete;

  ~EventLoopWorker() {
    for (Connection& connection : connections_) {
      if (connection.fd >= 0) close(connection.fd);
    }
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  void Run();
  const LoadResult& result() const { return result_; }

 private:
  void Connect(Connection& connection);
  void HandleEvent(Connection& connection, uint32_t events);
  void StartRequest(Connection& connection);
  void Flush(Connection& connection);
  void Receive(Connection& connection);
  void CompleteResponse(Connection& connection);
  void SetWantsWritable(Connection& connection, bool wants);
  void Drop(Connection& connection, Failure failure, const std::string& message);
  void Count(Failure failure, const std::string& message);
  bool InWindow(Nanoseconds time) const { return time >= timing_.measure_start; }
  uint32_t IndexOf(const Connection& connection) const {
    return static_cast<uint32_t>(&connection - connections_.data());
  }

  Endpoint endpoint_;
  WorkloadGenerator generator_;
  std::vector<Connection> connections_;
  Timing timing_;
  int epoll_fd_ = -1;
  int closed_count_ = 0;
  int printed_failures_ = 0;
  LoadResult result_;
};

void EventLoopWorker::Run() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    Count(Failure::kConnection, ErrnoMessage("epoll_create1"));
    return;
  }
  for (Connection& connection : connections_) Connect(connection);

  std::vector<epoll_event> events(connections_.size());
  while (true) {
    Nanoseconds now = Now();
    if (now >= timing_.end) break;
    Nanoseconds wake_at = timing_.end;
    if (closed_count_ > 0) {
      for (Connection& connection : connections_) {
        if (connection.phase != Connection::Phase::kClosed) continue;
        if (connection.reconnect_at <= now) {
          Connect(connection);
        } else {
          wake_at = std::min(wake_at, connection.reconnect_at);
        }
      }
    }
    // Round up so the loop never wakes just before the deadline and spins.
    const auto timeout_ms = static_cast<int>((wake_at - now + 999'999) / 1'000'000);
    const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                 std::max(timeout_ms, 1));
    if (ready < 0) {
      if (errno == EINTR) continue;
      Count(Failure::kConnection, ErrnoMessage("epoll_wait"));
      break;
    }
    for (int i = 0; i < ready; ++i) {
      HandleEvent(connections_[events[i].data.u32], events[i].events);
    }
  }
  for (const Connection& connection : connections_) {
    if (connection.phase == Connection::Phase::kSending ||
        connection.phase == Connection::Phase::kReceiving) {
      ++result_.unfinished;
    }
  }
}

void EventLoopWorker::Connect(Connection& connection) {
  std::string error;
  const int fd = OpenConnection(endpoint_, /*non_blocking=*/true, &error);
  if (fd < 0) {
    connection.reconnect_at = Now() + kReconnectDelay;
    Count(Failure::kConnection, error);
    return;
  }
  --closed_count_;
  if (connection.ever_opened) ++result_.reconnects;
  connection.ever_opened = true;
  connection.fd = fd;
  connection.phase = Connection::Phase::kConnecting;
  connection.in.clear();
  connection.parser.Reset();
  epoll_event event{};
  event.events = EPOLLOUT;  // Writable means the connect finished (or failed).
  event.data.u32 = IndexOf(connection);
  connection.wants_writable = true;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    Drop(connection, Failure::kConnection, ErrnoMessage("epoll_ctl"));
  }
}

void EventLoopWorker::HandleEvent(Connection& connection, uint32_t events) {
  if (connection.phase == Connection::Phase::kConnecting) {
    const int error = ConnectError(connection.fd);
    if (error != 0) {
      Drop(connection, Failure::kConnection, ErrnoMessage("connect", error));
      return;
    }
    StartRequest(connection);
    return;
  }
  if ((events & EPOLLOUT) && connection.phase == Connection::Phase::kSending) Flush(connection);
  if (connection.phase == Connection::Phase::kClosed) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Receive(connection);
}

void EventLoopWorker::StartRequest(Connection& connection) {
  generator_.NextRequest(&connection.out);
  connection.out_sent = 0;
  connection.phase = Connection::Phase::kSending;
  connection.request_started = Now();
  Flush(connection);
}

void EventLoopWorker::Flush(Connection& connection) {
  while (connection.out_sent < connection.out.size()) {
    const ssize_t sent = send(connection.fd, connection.out.data() + connection.out_sent,
                              connection.out.size() - connection.out_sent, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        SetWantsWritable(connection, true);
        return;
      }
      Drop(connection, Failure::kConnection, ErrnoMessage("send"));
      return;
    }
    connection.out_sent += static_cast<size_t>(sent);
  }
  connection.phase = Connection::Phase::kReceiving;
  SetWantsWritable(connection, false);
}

void EventLoopWorker::Receive(Connection& connection) {
  char buffer[64 * 1024];
  bool end_of_stream = false;
  while (true) {
    const ssize_t received = recv(connection.fd, buffer, sizeof(buffer), 0);
    if (received > 0) {
      connection.in.append(buffer, static_cast<size_t>(received));
      if (static_cast<size_t>(received) < sizeof(buffer)) break;  // Drained; skip an EAGAIN call.
      continue;
    }
    if (received == 0) {
      end_of_stream = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Drop(connection, Failure::kConnection, ErrnoMessage("recv"));
    return;
  }

  const bool in_flight = connection.phase == Connection::Phase::kSending ||
                         connection.phase == Connection::Phase::kReceiving;
  if (!in_flight) {
    if (!connection.in.empty()) {
      Drop(connection, Failure::kBadResponse, "bytes received with no request outstanding");
    }
    return;
  }
  if (!connection.in.empty()) {
    switch (connection.parser.Parse(connection.in)) {
      case HttpResponseParser::Progress::kComplete:
        CompleteResponse(connection);
        return;
      case HttpResponseParser::Progress::kError:
        Drop(connection, Failure::kBadResponse, connection.parser.error());
        return;
      case HttpResponseParser::Progress::kNeedMore:
        break;
    }
  }
  if (end_of_stream) {
    if (connection.parser.OnEndOfStream(connection.in) == HttpResponseParser::Progress::kComplete) {
      CompleteResponse(connection);
    } else {
      Drop(connection, Failure::kConnection, connection.parser.error());
    }
  }
}

void EventLoopWorker::CompleteResponse(Connection& connection) {
  const Nanoseconds finished = Now();
  HttpResponseParser& parser = connection.parser;
  const Verdict verdict = generator_.Check(parser.status(), parser.body());
  if (InWindow(finished)) {
    if (verdict.failure == Failure::kNone) {
      ++result_.ok;
      result_.latency.Record(static_cast<uint64_t>(finished - connection.request_started));
    } else {
      Count(verdict.failure, verdict.message);
    }
  }
  const bool keep_alive = parser.keep_alive();
  const bool extra_bytes = parser.consumed() != connection.in.size();
  connection.in.clear();
  parser.Reset();
  if (extra_bytes) {
    Drop(connection, Failure::kBadResponse, "bytes after the end of a response");
  } else if (!keep_alive) {
    // The server chose to close; that is not a failure, but the connection must be reopened.
    close(connection.fd);
    connection.fd = -1;
    connection.phase = Connection::Phase::kClosed;
    connection.reconnect_at = finished;
    ++closed_count_;
  } else {
    StartRequest(connection);
  }
}

void EventLoopWorker::SetWantsWritable(Connection& connection, bool wants) {
  if (connection.wants_writable == wants) return;
  epoll_event event{};
  event.events = wants ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  event.data.u32 = IndexOf(connection);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event) != 0) {
    Drop(connection, Failure::kConnection, ErrnoMessage("epoll_ctl"));
    return;
  }
  connection.wants_writable = wants;
}

void EventLoopWorker::Drop(Connection& connection, Failure failure, const std::string& message) {
  Count(failure, message);
  if (connection.fd >= 0) {
    close(connection.fd);  // Also removes it from the epoll set.
    connection.fd = -1;
  }
  if (connection.phase != Connection::Phase::kClosed) ++closed_count_;
  connection.phase = Connection::Phase::kClosed;
  connection.wants_writable = false;
  connection.reconnect_at = Now() + kReconnectDelay;
}

void EventLoopWorker::Count(Failure failure, const std::string& message) {
  if (!InWindow(Now())) return;
  ++result_.failures[static_cast<int>(failure)];
  if (result_.first_error.empty()) result_.first_error = message;
  if (printed_failures_ < kFailuresToPrint) {
    ++printed_failures_;
    std::fprintf(stderr, "edgelite_loadgen: %s: %s\n", FailureName(failure), message.c_str());
  }
}

// Splits the connections as evenly as possible over options.threads workers of type Worker (each
// owns its share outright), runs them and merges their results.
template <typename Worker>
LoadResult RunWorkers(const Options& options, const Endpoint& endpoint, Timing timing) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    const int count =
        options.connections / options.threads + (t < options.connections % options.threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(
        options, endpoint, count, options.seed + 0x9e3779b97f4a7c15ULL * (t + 1), timing));
  }
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers.size(); ++t) {
    threads.emplace_back([&worker = *workers[t]] { worker.Run(); });
  }
  workers[0]->Run();  // The calling thread is worker 0, so --threads 1 starts no extra thread.
  for (std::thread& thread : threads) thread.join();

  LoadResult total;
  for (const auto& worker : workers) total.Merge(worker->result());
  return total;
}

// Samples CPU time when the measured window opens and when it closes: the server's (when a PID is
// given) and the load generator's own, which shows whether the client was the bottleneck. It
// runs on its own thread so the event loops need no clock checks for it, and sleeps in between.
class CpuSampler {
 public:
  CpuSampler(int server_pid, Timing timing) {
    thread_ = std::thread([this, server_pid, timing] {
      const int self = getpid();
      SleepUntil(timing.measure_start);
      const auto server_start = server_pid > 0 ? ProcessCpuSeconds(server_pid) : std::nullopt;
      const auto client_start = ProcessCpuSeconds(self);
      SleepUntil(timing.end);
      const auto server_end = server_pid > 0 ? ProcessCpuSeconds(server_pid) : std::nullopt;
      const auto client_end = ProcessCpuSeconds(self);
      if (server_start && server_end) server_seconds_ = *server_end - *server_start;
      if (client_start && client_end) client_seconds_ = *client_end - *client_start;
    });
  }
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;
  ~CpuSampler() {
    if (thread_.joinable()) thread_.join();
  }

  // Waits for the window's end sample; then the figures are nullopt only if /proc was unreadable
  // (or, for the server, no PID was given or the process is gone).
  void Finish(LoadResult* result) {
    if (thread_.joinable()) thread_.join();
    result->server_cpu_seconds = server_seconds_;
    result->client_cpu_seconds = client_seconds_;
  }

 private:
  static void SleepUntil(Nanoseconds time) {
    const Nanoseconds now = Now();
    if (time > now) std::this_thread::sleep_for(std::chrono::nanoseconds(time - now));
  }

  std::thread thread_;
  std::optional<double> server_seconds_;
  std::optional<double> client_seconds_;
};

}  // namespace

LoadResult RunLoad(const Options& options, const Endpoint& endpoint) {
  const Nanoseconds start = Now();
  const Timing timing{start + static_cast<Nanoseconds>(options.warmup * 1e9),
                      start + static_cast<Nanoseconds>((options.warmup + options.seconds) * 1e9)};

  CpuSampler cpu_sampler(options.server_pid, timing);
  LoadResult total = options.workload == Workload::kWsPointRead
                         ? RunWorkers<WebSocketLoadWorker>(options, endpoint, timing)
                         : RunWorkers<EventLoopWorker>(options, endpoint, timing);
  cpu_sampler.Finish(&total);
  total.measured_seconds = static_cast<double>(timing.end - timing.measure_start) / 1e9;
  return total;
}

}  // namespace edgelite::bench
