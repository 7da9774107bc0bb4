// Starting, watching and stopping `edgelite serve` for the integration tests.
#include "integration/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "integration/http_client.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;

// Start-up is fast, but the machine is shared: be patient before calling it a failure.
constexpr auto kStartupTimeout = std::chrono::seconds(20);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr std::string_view kListeningLine = "listening for incoming user HTTP connection on ";

Result<std::filesystem::path> MakeTemporaryDirectory() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/edgelite-integration-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Io("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return std::filesystem::path(pattern);
}

}  // namespace

Result<uint16_t> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Io(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
               ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!bound) return Status::Io(std::string("bind: ") + std::strerror(errno));
  return uint16_t(ntohs(address.sin_port));
}

namespace {

// Describes a waitpid status for a test failure message.
std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "ended with wait status " + std::to_string(wait_status);
}

}  // namespace

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(std::vector<std::string> extra_args) {
  Result<std::filesystem::path> directory = MakeTemporaryDirectory();
  if (!directory.ok()) return directory.status();
  return Launch(Kind::kEdgelite, std::move(*directory), true, std::move(extra_args));
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::StartIn(std::filesystem::path directory,
                                                              std::vector<std::string> extra_args) {
  return Launch(Kind::kEdgelite, std::move(directory), false, std::move(extra_args));
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::StartSqld(std::vector<std::string> extra_args) {
  Result<std::filesystem::path> directory = MakeTemporaryDirectory();
  if (!directory.ok()) return directory.status();
  return Launch(Kind::kSqld, std::move(*directory), true, std::move(extra_args));
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::StartSqldIn(
    std::filesystem::path directory, std::vector<std::string> extra_args) {
  return Launch(Kind::kSqld, std::move(directory), false, std::move(extra_args));
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::Launch(Kind kind,
                                                             std::filesystem::path directory,
                                                             bool owns_directory,
                                                             std::vector<std::string> extra_args) {
  std::vector<std::string> args;
  if (kind == Kind::kSqld) {
    // sqld reports the port it was given rather than the one bound: it gets a free one.
    Result<uint16_t> port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    args = {SQLD_BINARY, "--no-welcome", "--db-path", (directory / "data.sqld").string(),
            "--http-listen-addr", "127.0.0.1:" + std::to_string(*port)};
  } else {
    // EDGELITE_BIN runs the suite against another build, as it does for the e2e suite.
    const char* binary = std::getenv("EDGELITE_BIN");
    args = {binary && *binary ? binary : EDGELITE_BINARY, "serve", "--db-path",
            (directory / "data").string(), "--no-welcome"};
  }
  // A caller that names the address (to restart a server where its clients expect it) gets it.
  if (std::find(extra_args.begin(), extra_args.end(), "--http-listen-addr") == extra_args.end()) {
    if (kind == Kind::kEdgelite) args.insert(args.end(), {"--http-listen-addr", "127.0.0.1:0"});
  } else if (kind == Kind::kSqld) {
    args.resize(args.size() - 2);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Appended to, so that a restarted server's log follows its predecessor's.
  std::string log = (directory / "server.log").string();
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::Io("open " + log + ": " + std::strerror(errno));
  struct stat log_stat {};
  ::fstat(log_fd, &log_stat);

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Status::Io(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the test died before prctl took effect
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);

  std::unique_ptr<ServerProcess> server(
      new ServerProcess(pid, std::move(directory), owns_directory, size_t(log_stat.st_size)));
  auto deadline = Clock::now() + kStartupTimeout;
  Status status = server->AwaitListening(deadline);
  if (status.ok()) status = server->AwaitHealthy(deadline);
  // The path matters when the binary could not even be executed (the child exits with 127).
  if (!status.ok()) return Status::Internal(args[0] + ": " + status.message());
  return server;
}

ServerProcess::~ServerProcess() {
  Stop();
  if (owns_directory_ && !std::getenv("EDGELITE_KEEP_TMP")) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

Status ServerProcess::AwaitListening(Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    std::string log = ReadLog();
    if (size_t at = log.find(kListeningLine); at != std::string::npos) {
      size_t end = log.find('\n', at);
      if (end != std::string::npos) {
        std::string address =
            log.substr(at + kListeningLine.size(), end - at - kListeningLine.size());
        port_ = uint16_t(std::stoi(address.substr(address.rfind(':') + 1)));
        return Status::Ok();
      }
    }
    if (!IsRunning()) {
      return Status::Internal("the server " + DescribeExit(*wait_status_) +
                              " during start-up; its log:\n" + log);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return Status::Internal("the server did not report its address in time; its log:\n" + ReadLog());
}

Status ServerProcess::AwaitHealthy(Clock::time_point deadline) {
  std::string last_problem;
  while (Clock::now() < deadline) {
    Result<HttpResponse> health = SendRequest(port_, "GET", "/health");
    if (health.ok() && health->status == 200) return Status::Ok();
    last_problem =
        health.ok() ? "status " + std::to_string(health->status) : health.status().message();
    if (!IsRunning()) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  return Status::Internal("GET /health never answered 200 (last: " + last_problem +
                          "); the server's log:\n" + ReadLog());
}

std::string ServerProcess::ReadLog() const {
  std::ifstream in(log_path(), std::ios::binary);
  in.seekg(std::streamoff(log_offset_));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

bool ServerProcess::IsRunning() {
  if (wait_status_) return false;
  int status = 0;
  pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
  if (reaped == pid_) wait_status_ = status;
  return !wait_status_;
}

namespace {

// A number from /proc/<pid>/status ("VmRSS:   1234 kB", "Threads:   5"); 0 when absent.
uint64_t StatusFigure(pid_t pid, std::string_view name) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':') {
      return std::stoull(line.substr(name.size() + 1));
    }
  }
  return 0;
}

}  // namespace

uint64_t ServerProcess::ResidentBytes() const {
  return StatusFigure(pid_, "VmRSS") * 1024;  // in kB
}

size_t ServerProcess::ThreadCount() const {
  return StatusFigure(pid_, "Threads");
}

std::chrono::nanoseconds ServerProcess::CpuTime() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name, in parentheses, may hold spaces: count fields from after it. utime and
  // stime are fields 14 and 15 of the line, the 12th and 13th after the name.
  size_t name_end = text.rfind(')');
  if (name_end == std::string::npos) return {};
  std::istringstream fields(text.substr(name_end + 1));
  std::string field;
  uint64_t ticks = 0;
  for (int i = 1; i <= 13 && fields >> field; ++i) {
    if (i >= 12) ticks += std::stoull(field);
  }
  return std::chrono::nanoseconds(ticks * 1'000'000'000 / uint64_t(::sysconf(_SC_CLK_TCK)));
}

std::string ServerProcess::Stop(std::chrono::milliseconds grace) {
  if (IsRunning()) {
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + grace;
    while (IsRunning() && Clock::now() < deadline) std::this_thread::sleep_for(kPollInterval);
    if (IsRunning()) {
      ::kill(pid_, SIGKILL);
      Reap();
    }
  }
  return DescribeExit(*wait_status_);
}

std::string ServerProcess::Kill() {
  if (IsRunning()) {
    ::kill(pid_, SIGKILL);
    Reap();
  }
  return DescribeExit(*wait_status_);
}

void ServerProcess::Reap() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  wait_status_ = status;
}

}  // namespace edgelite::integration
