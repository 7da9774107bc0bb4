// Small ASCII text helpers for protocol tokens (header values, subprotocol and coding names),
// which compare without regard to case and may carry spaces or tabs around them.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace edgelite {

inline bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// `text` with ASCII letters in lower case (header names, which compare without regard to case).
inline std::string AsciiLowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// `text` without leading and trailing spaces and tabs.
inline std::string_view TrimSpaces(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// Takes the next element of a comma-separated header value (as it stands, untrimmed) off `list`.
inline std::string_view TakeListElement(std::string_view& list) {
  size_t comma = list.find(',');
  std::string_view element = list.substr(0, comma);
  list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  return element;
}

}  // namespace edgelite
