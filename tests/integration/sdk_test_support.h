// Helpers the SDK's integration tests share: reading a file whole, and running the sqlite3
// command-line tool (Debian's, another SQLite library in another process) on a replica file.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace edgelite::integration {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// What the tool printed, stdout and stderr, for `sql` on `database`.
inline std::string Sqlite3Cli(const std::filesystem::path& database, const std::string& sql) {
  std::string command = "sqlite3 '" + database.string() + "' \"" + sql + "\" 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "popen failed";
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

}  // namespace edgelite::integration
