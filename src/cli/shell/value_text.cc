// Value rendering for the shell's output modes.
#include "cli/shell/value_text.h"

#include <cmath>
#include <cstdio>
#include <variant>

namespace edgelite::cli::shell {

std::string RealText(double value) {
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  std::string text = buffer;
  // A real keeps looking like one, so that 1.0 and the integer 1 can be told apart.
  if (text.find_first_of(".en") == std::string::npos) {
    text += ".0";
  } else if (size_t exponent = text.find('e');
             exponent != std::string::npos && text.find('.') == std::string::npos) {
    text.insert(exponent, ".0");
  }
  return text;
}

std::string BlobLiteral(const Blob& blob) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "X'";
  text.reserve(blob.bytes.size() * 2 + 3);
  for (unsigned char byte : blob.bytes) {
    text += kHex[byte >> 4];
    text += kHex[byte & 0xF];
  }
  text += '\'';
  return text;
}

std::string ValueText(const Value& value, std::string_view null_text) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) return std::string(null_text);
        if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        if constexpr (std::is_same_v<T, double>) return RealText(v);
        if constexpr (std::is_same_v<T, std::string>) return v;
        if constexpr (std::is_same_v<T, Blob>) return BlobLiteral(v);
      },
      value);
}

std::string EscapeControlCharacters(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7F) {
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\t') {
      escaped += "\\t";
    } else if (c == '\r') {
      escaped += "\\r";
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
      escaped += buffer;
    }
  }
  return escaped;
}

bool IsNumber(const Value& value) {
  return std::holds_alternative<int64_t>(value) || std::holds_alternative<double>(value);
}

}  // namespace edgelite::cli::shell
