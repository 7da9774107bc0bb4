// Starting, watching and reaping a writer process.
#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "flags.h"

extern char** environ;

namespace edgelite::bench {
namespace {

// The child now running, for the signal handler and Fail (an atomic pid_t is lock-free, so the
// handler may read it).
std::atomic<pid_t> running_child{0};

void StopChildThenDie(int signal_number) {
  pid_t pid = running_child.load();
  if (pid > 0) ::kill(pid, SIGTERM);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Clears running_child if it still names `pid`.
void ForgetRunning(pid_t pid) {
  running_child.compare_exchange_strong(pid, 0);
}

void StopChildOnSignals() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) ::signal(signal_number, StopChildThenDie);
}

}  // namespace

void ChildProcess::StopRunning() {
  pid_t pid = running_child.exchange(0);
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::unique_ptr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv) {
  if (argv.empty()) Fail("no command to start");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) Fail(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  std::vector<char*> words;
  for (const std::string& word : argv) words.push_back(const_cast<char*>(word.c_str()));
  words.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, words[0], &actions, nullptr, words.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) Fail("cannot start " + argv[0] + ": " + std::strerror(rc));
  StopChildOnSignals();
  running_child = pid;
  ::fcntl(pipe_fds[0], F_SETFL, ::fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[0]));
}

ChildProcess::~ChildProcess() {
  if (!exited_) {
    ::kill(pid_, SIGTERM);
    Wait();
  }
  ForgetRunning(pid_);
  ::close(stdout_fd_);
}

void ChildProcess::Drain() {
  char buffer[4096];
  while (true) {
    ssize_t got = ::read(stdout_fd_, buffer, sizeof buffer);
    if (got > 0) {
      output_.append(buffer, size_t(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    return;  // EAGAIN (nothing more now) or end of file
  }
}

bool ChildProcess::Running() {
  Drain();
  if (exited_) return false;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  exited_ = true;
  ForgetRunning(pid_);
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  Drain();
  return false;
}

int ChildProcess::Wait() {
  while (Running()) ::usleep(5000);
  return exit_status_;
}

std::string ChildProcess::LastLine() const {
  size_t end = output_.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  size_t newline = output_.rfind('\n', end);
  size_t start = newline == std::string::npos ? 0 : newline + 1;
  return output_.substr(start, end - start + 1);
}

}  // namespace edgelite::bench
