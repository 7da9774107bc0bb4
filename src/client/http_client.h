// HttpClient: how the SDK's remote mode talks HTTP — one libcurl easy handle, which keeps its
// connection alive between requests, so that a remote connection pays the TCP and TLS handshakes
// once rather than per statement. http and https both work; https verifies the server against the
// system's CA store.
//
// An HttpClient is not thread-safe: use one per thread, or one per connection object that a
// single thread uses at a time. A transport failure (refused, unresolvable, timed out, TLS, a
// connection lost mid-response) is a Status::Unavailable whose message names the URL and the
// cause; an HTTP error status is not a failure here, the caller reads `HttpResponse::status`.
// Nothing throws out of it, and libcurl raises no signal (CURLOPT_NOSIGNAL), so it is safe in a
// multi-threaded program.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::client {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The whole exchange, from connecting to the last byte of the response; 0 for no limit, for a
  // stream that stays open as long as the server has things to say.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Establishing the connection, TLS handshake included; 0 means libcurl's default (300 s).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // The exchange fails when no byte goes either way for this long; 0 for no limit. With `timeout`
  // 0, this is what notices a server that stopped answering without closing the connection.
  // (A peer that vanished altogether is noticed regardless, by TCP keep-alive, within about two
  // minutes.)
  std::chrono::milliseconds idle_timeout{0};
  // When set, another thread may set it to end the exchange, within about a second, as if
  // `on_body` had returned false (a replica's live stream stopping while the server is quiet).
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string body;

  // The value of the first header called `name` (give it in lower case), or null.
  const std::string* Header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request);

  // Streams the body: `on_body` is called with each piece as it arrives, and returns false to stop
  // early, which ends the exchange (and its connection) without an error. The returned response
  // has the status and headers and an empty body; except that a response whose status is not 2xx
  // is not streamed: its body, normally an error message, is collected into `body` as Send does.
  // An exception thrown by `on_body` ends the exchange and becomes Status::Internal.
  Result<HttpResponse> SendStreaming(const HttpRequest& request,
                                     const std::function<bool(std::string_view)>& on_body);

 private:
  struct EasyHandle;

  // `on_body` null: the body is collected.
  Result<HttpResponse> Perform(const HttpRequest& request,
                               const std::function<bool(std::string_view)>* on_body);

  std::unique_ptr<EasyHandle> handle_;  // created by the first request
};

}  // namespace edgelite::client
