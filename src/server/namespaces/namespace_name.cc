// Namespace name rules.
#include "server/namespaces/namespace_name.h"

#include <fmt/format.h>

#include "common/utf8.h"

namespace edgelite::server {

Status CheckNamespaceName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("a namespace name cannot be empty");
  if (name.size() > kMaxNamespaceNameBytes) {
    return Status::InvalidArgument(fmt::format("a namespace name has at most {} bytes, not {}",
                                               kMaxNamespaceNameBytes, name.size()));
  }
  if (!utf8::IsWellFormed(name)) return Status::InvalidArgument("a namespace name must be valid UTF-8");
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
