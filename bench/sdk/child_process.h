// ChildProcess: a writer that a benchmark runs against the primary while it measures the replica
// (edgelite_loadgen at full speed, or bench/replica/replica.mjs `write` at a fixed rate). Its
// stdout is collected (the writer's result is its last line); its stderr goes to ours. A child
// still running when this object goes away is stopped by its PID and reaped, and so is one still
// running when the program fails (Fail) or is stopped by SIGTERM, SIGINT or SIGHUP (the
// benchmark script's timeout), so that no writer outlives the measurement. One child at a time.
#ifndef EDGELITE_BENCH_SDK_CHILD_PROCESS_H_
#define EDGELITE_BENCH_SDK_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace edgelite::bench {

class ChildProcess {
 public:
  // Starts argv[0] (looked up on PATH) with the rest as arguments; ends the program on failure.
  static std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Whether it is still running (reaps it, and takes what it printed, when not). Never blocks.
  bool Running();
  // Blocks until it exits; returns its exit status (128 + signal when killed).
  int Wait();
  int exit_status() const { return exit_status_; }
  // The last non-empty line it printed.
  std::string LastLine() const;

  // Stops and reaps the running child, if any (Fail calls it before exiting).
  static void StopRunning();

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  void Drain();

  pid_t pid_;
  int stdout_fd_;
  bool exited_ = false;
  int exit_status_ = -1;
  std::string output_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_CHILD_PROCESS_H_
