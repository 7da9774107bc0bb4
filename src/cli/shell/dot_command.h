// DotCommand: a shell command that starts with `.` (`.mode box`, `.read 'my file.sql'`), parsed
// into its name and arguments. Arguments are separated by blanks; single or double quotes keep
// blanks inside one argument, and in double quotes `\"` and `\\` stand for `"` and `\`.
// A dot command is only recognised at the start of a line where no statement is pending, as in
// the sqlite3 shell, so `.` inside SQL is never mistaken for one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::cli::shell {

struct DotCommand {
  std::string name;  // without the dot: "mode", "read", ...
  std::vector<std::string> arguments;
};

// True when `line` is a dot command (its first non-blank character is `.`).
bool IsDotCommandLine(std::string_view line);

// Fails on an empty name or an unterminated quote, saying which.
Result<DotCommand> ParseDotCommand(std::string_view line);

// Parses `on`/`off` (also yes/no, true/false, 1/0) for `.headers`, `.timer`; `command` names the
// command in the error.
Result<bool> ParseSwitch(std::string_view command, std::string_view argument);

}  // namespace edgelite::cli::shell
