// The execution trace file.
#include "server/execution_trace.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "hrana/json_writer.h"

namespace edgelite::server {
namespace {

constexpr size_t kLabelBytes = 96;

}  // namespace

Result<std::unique_ptr<ExecutionTrace>> ExecutionTrace::Open(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (!file) {
    return Status::Io(fmt::format("cannot open execution trace {}: {}", path.string(),
                                  std::strerror(errno)));
  }
  return std::unique_ptr<ExecutionTrace>(new ExecutionTrace(file));
}

ExecutionTrace::~ExecutionTrace() { std::fclose(file_); }

void ExecutionTrace::Record(std::string_view label) {
  std::string line = fmt::format("{{\"position\":{},\"label\":", next_position_++);
  hrana::json::JsonWriter writer(line);
  writer.String(label.substr(0, kLabelBytes));
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace edgelite::server
