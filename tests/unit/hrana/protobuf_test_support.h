// What the protobuf codec's test files share: golden bytes written as hex dumps, the message of a
// decoder's InvalidArgument, and parsing the codec's output with the generated classes (so that
// the hand-written encoder is checked against the protobuf runtime).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::hrana::protobuf::test {

// "0a 02 78" <-> bytes, for golden bytes that read like a hex dump.
inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : bytes) {
    if (!hex.empty()) hex += ' ';
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xF];
  }
  return hex;
}

inline std::string Unhex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    i += 2;
  }
  return bytes;
}

// The message of a decoder's failure, which must be an InvalidArgument.
template <typename T>
std::string ErrorOf(const Result<T>& result) {
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "<ok>";
  EXPECT_EQ(result.status().kind(), ErrorKind::kInvalidArgument);
  return result.status().message();
}

template <typename Message>
Message Parse(const std::string& bytes) {
  Message message;
  EXPECT_TRUE(message.ParseFromString(bytes)) << Hex(bytes);
  return message;
}

}  // namespace edgelite::hrana::protobuf::test
