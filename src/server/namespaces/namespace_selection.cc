// Namespace selection rules.
#include "server/namespaces/namespace_selection.h"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/url/pct_string_view.hpp>

#include "common/base64.h"
#include "server/namespaces/namespace_name.h"

namespace edgelite::server {
namespace {

constexpr std::string_view kPathPrefix = "/db/";

// The namespace of a `/db/<name>/...` target, and the target without that prefix; nullopt when
// the target does not start so.
Result<std::optional<SelectedNamespace>> FromPath(const std::string& target) {
  if (!target.starts_with(kPathPrefix)) return std::optional<SelectedNamespace>();
  size_t end = target.find_first_of("/?", kPathPrefix.size());
  if (end == std::string::npos || target[end] != '/') {
    return Status::InvalidArgument(fmt::format(
        "a database URL path is /db/<name>/ (with the final slash), not {}", target));
  }
  auto name = boost::urls::make_pct_string_view(
      std::string_view(target).substr(kPathPrefix.size(), end - kPathPrefix.size()));
  if (!name) return Status::InvalidArgument("Invalid namespace name in the URL path");
  std::string rest = target.substr(end);
  // The embedded replica appends its paths to a base URL that ends in `/`.
  while (rest.starts_with("//")) rest.erase(0, 1);
  return std::optional<SelectedNamespace>(SelectedNamespace{name->decode(), std::move(rest)});
}

std::optional<std::string> FromHost(const std::string& host_header) {
  std::string_view host = host_header;
  if (host.starts_with('[')) return std::nullopt;  // an IPv6 literal
  host = host.substr(0, host.find(':'));
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  boost::system::error_code error;
  boost::asio::ip::make_address_v4(std::string(host), error);
  if (!error) return std::nullopt;  // an IPv4 literal: no name in it
  return std::string(host.substr(0, dot));
}

}  // namespace

Result<SelectedNamespace> SelectNamespace(const HttpRequest& request,
                                          const NamespaceRouting& routing) {
  auto from_path = FromPath(request.target);
  if (!from_path.ok()) return from_path.status();
  if (!routing.enabled) {
    if (*from_path && (*from_path)->name != kDefaultNamespace) {
      return Status::NotFound(fmt::format(
          "Namespace `{}` doesn't exist (this server runs without --enable-namespaces)",
          (*from_path)->name));
    }
    return SelectedNamespace{std::string(kDefaultNamespace),
                             *from_path ? (*from_path)->target : request.target};
  }
  SelectedNamespace selected;
  selected.target = request.target;
  if (*from_path) {
    selected = std::move(**from_path);
  } else if (const std::string* encoded = request.Header("x-namespace-bin")) {
    auto decoded = base64::Decode(*encoded, base64::Alphabet::kStandard, base64::Padding::kOptional);
    if (!decoded) return Status::InvalidArgument("Invalid namespace bytes");
    selected.name = std::move(*decoded);
  } else if (const std::string* plain = request.Header("x-namespace")) {
    selected.name = *plain;
  } else if (const std::string* host = request.Header("host"); host && FromHost(*host)) {
    selected.name = *FromHost(*host);
  } else if (routing.default_namespace) {
    selected.name = std::string(kDefaultNamespace);
  } else {
    return Status::InvalidArgument(fmt::format(
        "Invalid host header: {}: name the database with x-namespace, the host name, or a "
        "/db/<name>/ URL path",
        request.Header("host") ? *request.Header("host") : std::string("(none)")));
  }
  if (Status valid = CheckNamespaceName(selected.name); !valid.ok()) return valid;
  return selected;
}

}  // namespace edgelite::server
