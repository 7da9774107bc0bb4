// Parsing of dot-command lines.
#include "cli/shell/dot_command.h"

namespace edgelite::cli::shell {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

bool IsDotCommandLine(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsBlank(line[i])) ++i;
  return i < line.size() && line[i] == '.';
}

Result<DotCommand> ParseDotCommand(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) break;
    std::string word;
    const char quote = line[i];
    if (quote == '\'' || quote == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i < line.size() && (line[i] == '"' || line[i] == '\\')) {
          word += line[i++];
          continue;
        }
        word += c;
      }
      if (!closed) {
        return Status::InvalidArgument(std::string("unterminated ") + quote + " quote in \"" +
                                       std::string(line) + "\"; close the quote");
      }
    } else {
      while (i < line.size() && !IsBlank(line[i])) word += line[i++];
    }
    words.push_back(std::move(word));
  }
  if (words.empty() || words.front().size() < 2 || words.front().front() != '.') {
    return Status::InvalidArgument("a dot command needs a name after the dot; try .help");
  }
  DotCommand command;
  command.name = words.front().substr(1);
  command.arguments.assign(words.begin() + 1, words.end());
  return command;
}

Result<bool> ParseSwitch(std::string_view command, std::string_view argument) {
  for (std::string_view yes : {"on", "yes", "true", "1"}) {
    if (argument == yes) return true;
  }
  for (std::string_view no : {"off", "no", "false", "0"}) {
    if (argument == no) return false;
  }
  return Status::InvalidArgument("." + std::string(command) + " takes on or off, not \"" +
                                 std::string(argument) + "\"");
}

}  // namespace edgelite::cli::shell
