// Terminal column widths of UTF-8 text, from the Unicode ranges that matter in practice (combining
// marks, zero-width formatting characters, East Asian Wide/Fullwidth, emoji).
#include "cli/shell/display_width.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace edgelite::cli::shell {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Characters that combine with the one before them or are invisible.
constexpr std::array<Range, 14> kZeroWidth = {{
    {0x0300, 0x036F},    // combining diacritical marks
    {0x0483, 0x0489},    // Cyrillic combining marks
    {0x0591, 0x05BD},    // Hebrew points
    {0x0610, 0x061A},    // Arabic marks
    {0x064B, 0x065F},    // Arabic vowel marks
    {0x0E31, 0x0E31},    // Thai
    {0x0E34, 0x0E3A},    // Thai vowels
    {0x1AB0, 0x1AFF},    // combining diacritical marks extended
    {0x1DC0, 0x1DFF},    // combining diacritical marks supplement
    {0x200B, 0x200F},    // zero width space, joiners, direction marks
    {0x20D0, 0x20FF},    // combining marks for symbols
    {0xFE00, 0xFE0F},    // variation selectors
    {0xFE20, 0xFE2F},    // combining half marks
    {0xE0100, 0xE01EF},  // variation selectors supplement
}};

// East Asian Wide and Fullwidth characters, and emoji presented as pictures.
constexpr std::array<Range, 17> kDoubleWidth = {{
    {0x1100, 0x115F},    // Hangul Jamo initial consonants
    {0x231A, 0x231B},    // watch, hourglass
    {0x2E80, 0x303E},    // CJK radicals, Kangxi, CJK symbols and punctuation
    {0x3041, 0x33FF},    // Hiragana, Katakana, Bopomofo, CJK compatibility
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFE30, 0xFE4F},    // CJK compatibility forms
    {0xFF00, 0xFF60},    // fullwidth forms
    {0xFFE0, 0xFFE6},    // fullwidth signs
    {0x1F300, 0x1F64F},  // pictographs, emoticons
    {0x1F680, 0x1F6FF},  // transport and map symbols
    {0x1F900, 0x1F9FF},  // supplemental symbols and pictographs
    {0x1FA70, 0x1FAFF},  // symbols and pictographs extended-A
    {0x20000, 0x3FFFD},  // CJK extensions B and later
}};

template <size_t N>
bool InRanges(const std::array<Range, N>& ranges, char32_t code_point) {
  auto it =
      std::upper_bound(ranges.begin(), ranges.end(), code_point,
                       [](char32_t value, const Range& range) { return value < range.first; });
  return it != ranges.begin() && code_point <= std::prev(it)->last;
}

}  // namespace

int CodePointWidth(char32_t code_point) {
  if (InRanges(kZeroWidth, code_point)) return 0;
  if (InRanges(kDoubleWidth, code_point)) return 2;
  return 1;
}

size_t DisplayWidth(std::string_view utf8) {
  size_t width = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    size_t length = lead < 0x80           ? 1
                    : (lead >> 5) == 0x6  ? 2
                    : (lead >> 4) == 0xE  ? 3
                    : (lead >> 3) == 0x1E ? 4
                                          : 0;
    if (length == 0 || i + length > utf8.size()) {
      ++width;  // an invalid byte
      ++i;
      continue;
    }
    char32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    bool valid = true;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      if ((next & 0xC0) != 0x80) {
        valid = false;
        break;
      }
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (!valid) {
      ++width;
      ++i;
      continue;
    }
    width += static_cast<size_t>(CodePointWidth(code_point));
    i += length;
  }
  return width;
}

}  // namespace edgelite::cli::shell
