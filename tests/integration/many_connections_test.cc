// 10,000 concurrent keep-alive clients. All connections are opened first and held open together,
// then each sends one point read (a Hrana pipeline with a bound argument), and every one of them
// must get a 200 with its own row. One thread drives all sockets with epoll, so the test measures
// the server and not a thread pool of its own. Afterwards the server must answer as usual.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kClients = 10'000;
constexpr int kRows = 1000;
// Connects in flight at once: well under the listen backlog, so that no SYN is dropped and
// retried a second later.
constexpr size_t kConnectsInFlight = 500;
constexpr auto kDeadline = std::chrono::seconds(45);

class ManyConnectionsTest : public SharedServerTest<ManyConnectionsTest> {};

// Raises this process's descriptor limit for the test and restores it afterwards.
class FileLimit {
 public:
  FileLimit() { ::getrlimit(RLIMIT_NOFILE, &saved_); }
  ~FileLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  rlim_t hard() const { return saved_.rlim_max; }
  bool RaiseToHard() {
    rlimit raised = saved_;
    raised.rlim_cur = saved_.rlim_max;
    return ::setrlimit(RLIMIT_NOFILE, &raised) == 0;
  }

 private:
  rlimit saved_{};
};

struct Client {
  enum class State { kConnecting, kConnected, kReading, kDone };
  int fd = -1;
  State state = State::kConnecting;
  std::string received;
};

int Key(size_t client) {
  return int(client % kRows) + 1;
}

std::string RequestFor(size_t client) {
  std::string stmt = R"({"type":"execute","stmt":{"sql":"SELECT v FROM kv WHERE id = ?",)"
                     R"("args":[{"type":"integer","value":")" +
                     std::to_string(Key(client)) + R"("}]}})";
  return FormatRequest("POST", "/v2/pipeline", PipelineBody({stmt, R"({"type":"close"})"}));
}

// Drives every client through connect, send and receive on one epoll instance.
class ClientSwarm {
 public:
  ClientSwarm(uint16_t port, size_t count) : port_(port), clients_(count) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  }
  ~ClientSwarm() {
    for (Client& client : clients_) {
      if (client.fd >= 0) ::close(client.fd);
    }
    ::close(epoll_);
  }

  // Opens every connection, keeping them all open. False (with failures recorded) on problems.
  bool ConnectAll(Clock::time_point deadline) {
    size_t started = 0;
    while (connected_ + failures_.size() < clients_.size() && Clock::now() < deadline) {
      while (started < clients_.size() &&
             started - connected_ - failures_.size() < kConnectsInFlight) {
        StartConnect(started++);
      }
      Poll();
    }
    return failures_.empty() && connected_ == clients_.size();
  }

  // Sends each client's request, then reads every response.
  bool RequestAll(Clock::time_point deadline) {
    for (size_t i = 0; i < clients_.size(); ++i) {
      std::string request = RequestFor(i);
      ssize_t sent = ::send(clients_[i].fd, request.data(), request.size(), MSG_NOSIGNAL);
      // A fresh socket's send buffer takes a few hundred bytes at once.
      if (sent != ssize_t(request.size())) {
        Fail(i, "send: " + std::string(sent < 0 ? std::strerror(errno) : "partial"));
        continue;
      }
      clients_[i].state = Client::State::kReading;
      Watch(i, EPOLLIN);
    }
    while (done_ + failures_.size() < clients_.size() && Clock::now() < deadline) Poll();
    return failures_.empty() && done_ == clients_.size();
  }

  size_t connected() const { return connected_; }
  size_t done() const { return done_; }
  std::string FailureSummary() const {
    std::string summary = std::to_string(failures_.size()) + " failed";
    for (size_t i = 0; i < failures_.size() && i < 5; ++i) summary += "\n  " + failures_[i];
    return summary;
  }

 private:
  void StartConnect(size_t index) {
    Client& client = clients_[index];
    client.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (client.fd < 0) return Fail(index, std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(client.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
      return Fail(index, std::string("connect: ") + std::strerror(errno));
    }
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = index;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, client.fd, &event);
  }

  void Watch(size_t index, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = index;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, clients_[index].fd, &event);
  }

  void Poll() {
    epoll_event events[1024];
    int ready = ::epoll_wait(epoll_, events, 1024, 100);
    for (int i = 0; i < ready; ++i) {
      size_t index = events[i].data.u64;
      if (clients_[index].state == Client::State::kConnecting) {
        Connected(index);
      } else if (clients_[index].state == Client::State::kReading) {
        Receive(index);
      }
    }
  }

  void Connected(size_t index) {
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(clients_[index].fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) return Fail(index, std::string("connect: ") + std::strerror(error));
    clients_[index].state = Client::State::kConnected;
    ++connected_;
    Watch(index, 0);  // idle until every client is connected
  }

  void Receive(size_t index) {
    Client& client = clients_[index];
    char buffer[16 * 1024];
    bool closed = false;
    while (true) {
      ssize_t got = ::recv(client.fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        client.received.append(buffer, size_t(got));
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno == EAGAIN) break;
      closed = true;  // EOF or reset
      break;
    }
    HttpResponse response;
    Result<size_t> parsed = ParseHttpResponse(client.received, closed, response);
    if (!parsed.ok()) return Fail(index, parsed.status().message());
    if (*parsed == 0) {
      if (closed)
        Fail(index, "connection closed after " + std::to_string(client.received.size()) +
                        " bytes of a response");
      return;
    }
    std::string expected = "value-" + std::to_string(Key(index));
    boost::json::error_code error;
    boost::json::value json = boost::json::parse(response.body, error);
    std::string value =
        error ? "<invalid JSON>" : TextAt(json, "/results/0/response/result/rows/0/0/value");
    if (response.status != 200 || value != expected) {
      return Fail(index, "status " + std::to_string(response.status) + ", value " + value +
                             " instead of " + expected + ": " + response.body.substr(0, 200));
    }
    client.state = Client::State::kDone;
    Watch(index, 0);
    ++done_;
  }

  void Fail(size_t index, std::string what) {
    if (clients_[index].fd >= 0) {
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, clients_[index].fd, nullptr);
      ::close(clients_[index].fd);
      clients_[index].fd = -1;
    }
    clients_[index].state = Client::State::kDone;
    failures_.push_back("client " + std::to_string(index) + ": " + what);
  }

  uint16_t port_;
  std::vector<Client> clients_;
  int epoll_ = -1;
  size_t connected_ = 0;
  size_t done_ = 0;
  std::vector<std::string> failures_;
};

TEST_F(ManyConnectionsTest, TenThousandConcurrentKeepAliveClients) {
  FileLimit limit;
  constexpr size_t kNeeded = kClients + 64;  // the clients, plus this process's own files
  if (limit.hard() < kNeeded) {
    GTEST_SKIP() << "needs " << kNeeded << " file descriptors, but the hard limit is "
                 << limit.hard() << " (raise it with ulimit -Hn, or in limits.conf)";
  }
  ASSERT_TRUE(limit.RaiseToHard()) << std::strerror(errno);

  HttpResponse seeded = Post(
      port(), "/v2/pipeline",
      PipelineBody({ExecuteJson("CREATE TABLE kv(id INTEGER PRIMARY KEY, v TEXT)"),
                    ExecuteJson("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                                "WHERE x < " +
                                std::to_string(kRows) +
                                ") "
                                "INSERT INTO kv SELECT x, 'value-' || x FROM c"),
                    R"({"type":"close"})"}));
  ASSERT_EQ(TextAt(ParseJson(seeded.body), "/results/1/type"), "ok") << seeded.body;

  auto deadline = Clock::now() + kDeadline;
  ClientSwarm swarm(port(), kClients);
  auto started = Clock::now();
  bool connected = swarm.ConnectAll(deadline);
  auto connect_time = Clock::now() - started;
  ASSERT_TRUE(connected) << swarm.connected() << " of " << kClients << " connected; "
                         << swarm.FailureSummary();
  bool answered = swarm.RequestAll(deadline);
  EXPECT_TRUE(answered) << swarm.done() << " of " << kClients << " answered; "
                        << swarm.FailureSummary();
  auto to_ms = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  };
  RecordProperty("connect_ms", std::to_string(to_ms(connect_time)));
  RecordProperty("total_ms", std::to_string(to_ms(Clock::now() - started)));
}

}  // namespace
}  // namespace edgelite::integration
