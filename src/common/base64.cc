// Base64 encode/decode without padding on output (what Hrana and JWTs expect).
#include "common/base64.h"

#include <array>
#include <cstdint>

namespace edgelite::base64 {
namespace {

constexpr std::string_view kStandardChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafeChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> MakeDecodeTable(std::string_view chars) {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (size_t i = 0; i < chars.size(); ++i) table[static_cast<uint8_t>(chars[i])] = int8_t(i);
  return table;
}

constexpr auto kStandardTable = MakeDecodeTable(kStandardChars);
constexpr auto kUrlSafeTable = MakeDecodeTable(kUrlSafeChars);

}  // namespace

std::string Encode(std::string_view bytes, Alphabet alphabet) {
  std::string_view chars = alphabet == Alphabet::kStandard ? kStandardChars : kUrlSafeChars;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                 uint8_t(bytes[i + 2]);
    out += chars[n >> 18];
    out += chars[(n >> 12) & 63];
    out += chars[(n >> 6) & 63];
    out += chars[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    out += chars[n >> 18];
    out += chars[(n >> 12) & 63];
  } else if (rest == 2) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += chars[n >> 18];
    out += chars[(n >> 12) & 63];
    out += chars[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Decode(std::string_view text, Alphabet alphabet, Padding padding) {
  const auto& table = alphabet == Alphabet::kStandard ? kStandardTable : kUrlSafeTable;
  size_t padded = 0;
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padded;
  }
  if (padded > 0) {
    if (padding == Padding::kForbidden || padded > 2) return std::nullopt;
    if ((text.size() + padded) % 4 != 0) return std::nullopt;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    int8_t sextet = table[static_cast<uint8_t>(c)];
    if (sextet < 0) return std::nullopt;
    accumulator = (accumulator << 6) | uint32_t(sextet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((accumulator >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, or the text was not produced by an encoder.
  if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace edgelite::base64
