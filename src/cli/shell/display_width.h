// DisplayWidth: how many terminal columns a UTF-8 string takes, so that the shell's table and box
// output stays aligned with accented, combining, CJK and emoji text. It depends on no locale (the
// shell may run under LANG=C and still print UTF-8): combining marks and zero-width characters take
// no column, East Asian wide and fullwidth characters and emoji take two, everything else one.
// Bytes that are not valid UTF-8 count one column each, as a terminal shows a replacement for each.
#pragma once

#include <cstddef>
#include <string_view>

namespace edgelite::cli::shell {

size_t DisplayWidth(std::string_view utf8);

// The columns one code point takes: 0, 1 or 2.
int CodePointWidth(char32_t code_point);

}  // namespace edgelite::cli::shell
