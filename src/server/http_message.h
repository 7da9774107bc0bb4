// HttpRequest and HttpResponse: the server's own view of an HTTP exchange, so that the handlers
// (routing, Hrana, auth) never include Boost.Beast; only the listener translates to and from it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::server {

class StreamedBody;

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  int client_socket = -1;      // the connection's socket, to notice a client that has gone away
  std::string remote_address;  // "ip:port" of the client

  // The first value of header `name` (lower case), or nullptr.
  const std::string* Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  std::string_view Path() const {
    std::string_view path = target;
    return path.substr(0, path.find('?'));
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the body comes from here, sent as it is produced (chunked), and `body` is unused.
  std::shared_ptr<StreamedBody> streamed_body = nullptr;

  static HttpResponse Text(int status, std::string body) {
    return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
  }
  static HttpResponse Json(int status, std::string body) {
    return HttpResponse{status, "application/json", std::move(body), {}};
  }
  static HttpResponse Empty(int status) { return HttpResponse{status, "", "", {}}; }
};

// The HTTP status of a failure of the kind of `status` (400 for what the caller got wrong, 404 for
// what does not exist, 413 for a limit, 503 for try-again, 500 for the rest).
inline int HttpStatusFor(const Status& status) {
  switch (status.kind()) {
    case ErrorKind::kInvalidArgument:
    case ErrorKind::kSqlError:
      return 400;
    case ErrorKind::kUnauthenticated:
      return 401;
    case ErrorKind::kPermissionDenied:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kResourceExhausted:
      return 413;
    case ErrorKind::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace edgelite::server
