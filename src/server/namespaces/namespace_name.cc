// Namespace name rules.
#include "server/namespaces/namespace_name.h"

#include <fmt/format.h>

namespace edgelite::server {
namespace {

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3
                                  : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    uint32_t code = length == 1 ? byte : byte & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

Status CheckNamespaceName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("a namespace name cannot be empty");
  if (name.size() > kMaxNamespaceNameBytes) {
    return Status::InvalidArgument(fmt::format("a namespace name has at most {} bytes, not {}",
                                               kMaxNamespaceNameBytes, name.size()));
  }
  if (!IsUtf8(name)) return Status::InvalidArgument("a namespace name must be valid UTF-8");
  if (name.front() == '.') {
    // `.`, `..`, and the server's own directories beside the namespaces' (.staging, .deleted).
    return Status::InvalidArgument("a namespace name cannot start with `.`");
  }
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7F) {
      return Status::InvalidArgument(
          "a namespace name cannot hold `/`, `\\`, NUL or control characters");
    }
  }
  return Status::Ok();
}

}  // namespace edgelite::server
