// The address of a remote database as a user writes it, read the way @libsql/client reads it
// (its @libsql/core config.js and uri.js), so that a URL that works there works here: `libsql:`
// means HTTPS, or HTTP with `?tls=0` (which then needs an explicit port); `http:` and `https:` are
// taken as they are; `ws:` and `wss:` are accepted and mean HTTP and HTTPS, because the SDK speaks
// Hrana over HTTP. The query string may carry `authToken` and `tls` and nothing else; fragments
// are refused. A path is kept as a prefix under which every endpoint lives.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::client {

struct DatabaseUrl {
  // Scheme (http or https), authority and path prefix, without a trailing slash and without the
  // query: "https://db.example.com", "http://127.0.0.1:8080/some/prefix".
  std::string base_url;
  // The host as written, without the brackets of an IPv6 address.
  std::string host;
  bool tls = true;
  // The `authToken` query parameter, when the URL has one.
  std::optional<std::string> auth_token;
};

// InvalidArgument, naming what is wrong and what is accepted, for anything @libsql/client would
// refuse, and for `file:` URLs and credentials in the authority, which have no remote meaning.
Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

// The URL of the endpoint `path` ("/v3-protobuf/pipeline") under `base_url`: appended to the
// base's path, with one slash between, and before the base's query string if it has one. This is
// how the Rust client treats a server's `base_url` too. (@libsql/client instead resolves the
// endpoint relative to the URL, which drops a last path segment not followed by a slash; the two
// agree on a prefix written with its trailing slash.)
std::string EndpointUrl(std::string_view base_url, std::string_view path);

}  // namespace edgelite::client
