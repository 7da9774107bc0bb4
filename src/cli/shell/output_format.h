// OutputFormat: the shell's output settings that `.mode`, `.headers` and `.nullvalue` change, and
// FormatRows, which turns one statement's result into the text the shell prints.
//
// Modes: `table` (ASCII grid) and `box` (Unicode line-drawing grid) align columns by display width
// and right-align numbers; `list` writes values separated by `|`, one row a line, as the sqlite3
// shell does by default; `csv` follows RFC 4180 (CRLF line ends, fields quoted when they hold a
// comma, quote, line break or edge space; NULL is an empty field); `json` writes an array of
// objects, one row a line; `line` writes one `column = value` line per value, a blank line
// between rows. A result without rows prints nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "edgelite/rows.h"

namespace edgelite::cli::shell {

enum class OutputMode { kList, kTable, kBox, kCsv, kJson, kLine };

std::optional<OutputMode> ParseOutputMode(std::string_view name);
std::string_view OutputModeName(OutputMode mode);
// "list, table, box, csv, json, line": for help and error messages.
std::string_view OutputModeNames();

struct OutputFormat {
  OutputMode mode = OutputMode::kTable;
  bool headers = true;
  // How NULL shows in every mode but csv (empty) and json (null); `.nullvalue` sets it. Unset:
  // `NULL` in table, box and line, where it must stand out from an empty string, and empty in
  // list, as the sqlite3 shell writes it for scripts.
  std::optional<std::string> null_text;
};

// The text NULL shows as in `format`'s mode.
std::string_view NullText(const OutputFormat& format);

std::string FormatRows(const Rows& rows, const OutputFormat& format);

}  // namespace edgelite::cli::shell
