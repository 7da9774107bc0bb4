// JsonWriter: appends JSON tokens to a std::string, for the encoders on the server's hot path. It
// does not track structure (callers write the braces, commas and keys themselves, which keeps it a
// few instructions per token), but every token it writes is valid JSON on its own: strings are
// escaped and invalid UTF-8 is repaired with U+FFFD, integers are exact, and floats use the
// shortest form that reads back to the same double, or null when there is no JSON number for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgelite::hrana::json {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // Text copied verbatim: punctuation and keys that the caller knows need no escaping.
  void Raw(std::string_view text) { out_.append(text); }
  void Raw(char c) { out_.push_back(c); }

  // A quoted JSON string. Escapes '"', '\\' and control characters; replaces each maximal
  // ill-formed UTF-8 subsequence with U+FFFD, so the output is valid UTF-8 whatever the input bytes
  // were.
  void String(std::string_view text);
  void OptionalString(const std::optional<std::string>& text) {
    if (text) {
      String(*text);
    } else {
      Null();
    }
  }

  void Int(int64_t value);
  void Uint(uint64_t value);
  // Integers as decimal strings, which is how Hrana carries every 64-bit integer because JavaScript
  // numbers cannot hold them exactly.
  void QuotedInt(int64_t value);
  void QuotedUint(uint64_t value);

  // The shortest decimal that parses back to exactly `value`, always with a '.' or an exponent so
  // that readers which distinguish integers from floats see a float. NaN and infinities have no
  // JSON form and are written as null.
  void Double(double value);

  void Bool(bool value) { out_.append(value ? "true" : "false"); }
  void Null() { out_.append("null"); }

 private:
  std::string& out_;
};

}  // namespace edgelite::hrana::json
