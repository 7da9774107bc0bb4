// UTF-8 well-formedness, shared by every codec that must emit valid UTF-8 (the JSON writer, the
// protobuf encoder) or explain why a client's text is not (the decoders). The rules are those of
// Unicode §3.9, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string_view>

namespace edgelite::utf8 {

// What ill-formed text is repaired with: U+FFFD, once per maximal ill-formed subpart (as Unicode
// recommends), so that no valid byte is swallowed.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Examines the sequence that starts at p[0], a byte >= 0x80, with `available` bytes readable.
// Returns the sequence's length and sets `well_formed`; for an ill-formed sequence the length is
// that of its maximal subpart.
size_t ExamineSequence(const unsigned char* p, size_t available, bool& well_formed);

// Whether `text` starts with a well-formed sequence (ASCII counts).
inline bool StartsWellFormed(std::string_view text) {
  if (text.empty() || static_cast<unsigned char>(text[0]) < 0x80) return true;
  bool well_formed = false;
  ExamineSequence(reinterpret_cast<const unsigned char*>(text.data()), text.size(), well_formed);
  return well_formed;
}

// Whether all of `text` is well-formed.
inline bool IsWellFormed(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    bool well_formed = false;
    i += ExamineSequence(reinterpret_cast<const unsigned char*>(text.data()) + i, text.size() - i,
                         well_formed);
    if (!well_formed) return false;
  }
  return true;
}

}  // namespace edgelite::utf8
