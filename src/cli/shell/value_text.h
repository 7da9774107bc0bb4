// ValueText: how one SQLite value reads in the shell's output, shared by every output mode so that
// a number or a BLOB looks the same in a table, a list or a CSV file. Reals are written with 15
// significant digits and always look like reals (`1.0`, not `1`), as the sqlite3 shell shows them;
// BLOBs as SQL hex literals (`X'00ff'`).
#pragma once

#include <string>
#include <string_view>

#include "edgelite/value.h"

namespace edgelite::cli::shell {

std::string RealText(double value);
std::string BlobLiteral(const Blob& blob);

// The value as text; NULL becomes `null_text`. TEXT is returned unchanged.
std::string ValueText(const Value& value, std::string_view null_text);

// `text` with control characters written as escapes (`\n`, `\t`, `\r`, `\x1b`), so that one value
// stays on one line of an aligned table and cannot move the terminal's cursor.
std::string EscapeControlCharacters(std::string_view text);

bool IsNumber(const Value& value);

}  // namespace edgelite::cli::shell
