// Spawning the CLI with files for its standard streams.
#include "integration/cli_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace edgelite::integration {
namespace {

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

CliRun RunEdgelite(const std::filesystem::path& directory, const std::vector<std::string>& args,
                   std::string_view input, const std::vector<std::string>& environment,
                   std::chrono::seconds timeout, const std::function<void(pid_t)>& while_running) {
  const auto stdin_path = directory / "cli-stdin.txt";
  const auto stdout_path = directory / "cli-stdout.txt";
  const auto stderr_path = directory / "cli-stderr.txt";
  std::ofstream(stdin_path, std::ios::binary) << input;
  std::vector<std::string> argv_storage = {EDGELITE_BINARY};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<std::string> env_storage = {"PATH=/usr/bin:/bin", "HOME=" + directory.string(),
                                          "XDG_CONFIG_HOME=" + (directory / "config").string()};
  env_storage.insert(env_storage.end(), environment.begin(), environment.end());
  std::vector<char*> argv, envp;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  for (std::string& variable : env_storage) envp.push_back(variable.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  CliRun run;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open(stdin_path.c_str(), O_RDONLY);
    const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(127);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return run;
  }
  if (while_running) while_running(pid);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "edgelite " << (args.empty() ? "" : args[0]) << " did not finish within "
                    << timeout.count() << " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadWhole(stdout_path);
  run.err = ReadWhole(stderr_path);
  return run;
}

}  // namespace edgelite::integration
