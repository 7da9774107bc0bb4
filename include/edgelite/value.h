// Value: one SQLite value (NULL, INTEGER, REAL, TEXT or BLOB) as it travels between the wire codecs
// and the SQLite layer. Both sides share this type so that no layer converts values twice.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace edgelite {

struct Null {
  bool operator==(const Null&) const = default;
};

// A BLOB's bytes. A distinct type so that TEXT (std::string) and BLOB never get confused.
struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

using Value = std::variant<Null, int64_t, double, std::string, Blob>;

}  // namespace edgelite
