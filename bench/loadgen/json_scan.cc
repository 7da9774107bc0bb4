// Span-based JSON navigation. Every function finds the end of a value by skipping over it:
// strings up to the closing quote (honouring escapes), containers by bracket depth while skipping
// strings, scalars up to the next delimiter.
#include "json_scan.h"

#include <charconv>

namespace edgelite::bench::json {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return pos;
}

// Position just past the string that starts (with its quote) at `pos`.
std::optional<size_t> SkipString(std::string_view text, size_t pos) {
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return std::nullopt;
}

// Position just past the value that starts at `pos`.
std::optional<size_t> SkipValue(std::string_view text, size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  const char first = text[pos];
  if (first == '"') return SkipString(text, pos);
  if (first == '{' || first == '[') {
    int depth = 0;
    for (size_t i = pos; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') {
        const auto end = SkipString(text, i);
        if (!end) return std::nullopt;
        i = *end - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::nullopt;
  }
  size_t i = pos;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
         !IsSpace(text[i])) {
    ++i;
  }
  return i == pos ? std::nullopt : std::optional<size_t>(i);
}

}  // namespace

std::optional<std::string_view> Root(std::string_view text) {
  const size_t start = SkipSpace(text, 0);
  const auto end = SkipValue(text, start);
  if (!end) return std::nullopt;
  return text.substr(start, *end - start);
}

std::optional<std::string_view> Member(std::string_view object, std::string_view key) {
  if (object.empty() || object.front() != '{') return std::nullopt;
  size_t pos = SkipSpace(object, 1);
  while (pos < object.size() && object[pos] != '}') {
    if (object[pos] != '"') return std::nullopt;
    const auto key_end = SkipString(object, pos);
    if (!key_end) return std::nullopt;
    // Keys without escapes (all of Hrana's) compare in place, saving an allocation per key.
    const std::string_view raw_name = object.substr(pos + 1, *key_end - pos - 2);
    bool matches = raw_name == key;
    if (!matches && raw_name.find('\\') != std::string_view::npos) {
      const auto decoded = String(object.substr(pos, *key_end - pos));
      matches = decoded && *decoded == key;
    }
    pos = SkipSpace(object, *key_end);
    if (pos >= object.size() || object[pos] != ':') return std::nullopt;
    pos = SkipSpace(object, pos + 1);
    const auto value_end = SkipValue(object, pos);
    if (!value_end) return std::nullopt;
    if (matches) return object.substr(pos, *value_end - pos);
    pos = SkipSpace(object, *value_end);
    if (pos < object.size() && object[pos] == ',') pos = SkipSpace(object, pos + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> Element(std::string_view array, size_t index) {
  if (array.empty() || array.front() != '[') return std::nullopt;
  size_t pos = SkipSpace(array, 1);
  for (size_t i = 0; pos < array.size() && array[pos] != ']'; ++i) {
    const auto end = SkipValue(array, pos);
    if (!end) return std::nullopt;
    if (i == index) return array.substr(pos, *end - pos);
    pos = SkipSpace(array, *end);
    if (pos < array.size() && array[pos] == ',') pos = SkipSpace(array, pos + 1);
  }
  return std::nullopt;
}

std::optional<size_t> Length(std::string_view array) {
  if (array.empty() || array.front() != '[') return std::nullopt;
  size_t pos = SkipSpace(array, 1);
  size_t count = 0;
  while (pos < array.size() && array[pos] != ']') {
    const auto end = SkipValue(array, pos);
    if (!end) return std::nullopt;
    ++count;
    pos = SkipSpace(array, *end);
    if (pos < array.size() && array[pos] == ',') pos = SkipSpace(array, pos + 1);
  }
  if (pos >= array.size()) return std::nullopt;
  return count;
}

std::optional<std::string> String(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::nullopt;
  std::string out;
  out.reserve(value.size() - 2);
  for (size_t i = 1; i + 1 < value.size(); ++i) {
    char c = value[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i + 1 >= value.size()) return std::nullopt;
    switch (value[i]) {
      case 'n':
        c = '\n';
        break;
      case 't':
        c = '\t';
        break;
      case 'r':
        c = '\r';
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'u':
        i += 4;
        c = '?';
        break;
      default:  // \" \\ \/ stand for themselves.
        c = value[i];
        break;
    }
    out.push_back(c);
  }
  return out;
}

std::optional<long long> Integer(std::string_view value) {
  if (!value.empty() && value.front() == '"') {
    if (value.size() < 2) return std::nullopt;
    value = value.substr(1, value.size() - 2);
  }
  long long result = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
  return result;
}

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

}  // namespace edgelite::bench::json
