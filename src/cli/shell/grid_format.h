// The aligned output modes, `table` and `box`: a grid whose columns are as wide as their widest
// value or name (in terminal columns, so CJK text and emoji line up), numbers right-aligned, text
// left-aligned, control characters escaped so that each row stays on one line.
#pragma once

#include <string>

#include "cli/shell/output_format.h"

namespace edgelite::cli::shell {

enum class GridStyle { kAscii, kBox };

std::string FormatGrid(const Rows& rows, const OutputFormat& format, GridStyle style);

}  // namespace edgelite::cli::shell
