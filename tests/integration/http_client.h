// A small blocking HTTP/1.1 client over raw loopback sockets, for integration tests that must send
// exactly the bytes they mean to (malformed requests, half bodies, abrupt closes) and see exactly
// what the server answers. Every wait has a deadline, so a wedged server fails a test instead of
// hanging it. The response parser is shared with the many-connections test's event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::integration {

constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::seconds(30);

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  // The first value of header `name` (lower case), or "" when absent.
  std::string Header(std::string_view name) const;
  // Whether the server said it will close the connection after this response.
  bool closes_connection() const;
};

// Parses one response at the start of `buffer`. Returns the number of bytes it took, 0 when more
// bytes are needed, or an error for a response that is not HTTP/1.1. A response without
// Content-Length ends where the connection does, so it is complete only once `peer_closed`; a
// chunked one that the connection ends before its last chunk is an error.
Result<size_t> ParseHttpResponse(std::string_view buffer, bool peer_closed, HttpResponse& out);

// Decodes a chunked body at the start of `buffer` into `body`: the bytes it took (through the
// last chunk), or 0 while it is incomplete.
Result<size_t> ParseChunkedBody(std::string_view buffer, std::string& body);

// A request with a Host header, and Content-Length when it has a body or is a POST.
std::string FormatRequest(std::string_view method, std::string_view target,
                          std::string_view body = {});

class HttpConnection {
 public:
  static Result<HttpConnection> Open(uint16_t port);

  HttpConnection(HttpConnection&& other) noexcept;
  HttpConnection& operator=(HttpConnection&& other) noexcept;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  // Sends every byte or fails (a peer that closed is an error, not a SIGPIPE).
  Status Send(std::string_view bytes, std::chrono::milliseconds timeout = kDefaultTimeout);
  Result<HttpResponse> ReadResponse(std::chrono::milliseconds timeout = kDefaultTimeout);
  Result<HttpResponse> Request(std::string_view method, std::string_view target,
                               std::string_view body = {},
                               std::chrono::milliseconds timeout = kDefaultTimeout);

  // Whether bytes (or the end of the stream) can be read within `wait`.
  bool Readable(std::chrono::milliseconds wait);
  // Whether the server closes the connection within `timeout` (EOF or reset). Bytes that arrive
  // first are kept for ReadResponse.
  bool AwaitClose(std::chrono::milliseconds timeout = kDefaultTimeout);

  // Closes the socket. With `reset`, the kernel sends RST instead of FIN, as a crashed client's
  // would, and discards whatever was not yet delivered.
  void Close(bool reset = false);

 private:
  explicit HttpConnection(int fd) : fd_(fd) {}
  // Reads what is available into buffer_. Returns false at EOF or on a reset.
  Result<bool> ReadSome(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;  // bytes read but not yet parsed
  bool peer_closed_ = false;
};

// A non-blocking TCP connection to 127.0.0.1:`port` (TCP_NODELAY), established by `deadline`. The
// caller owns the returned descriptor.
Result<int> ConnectLoopback(uint16_t port, std::chrono::steady_clock::time_point deadline);

// Waits until socket `fd` is ready for poll `events`; false on timeout or error.
bool PollFor(int fd, short events, std::chrono::steady_clock::time_point deadline);

// `text` in ASCII lower case (header names and values).
std::string Lower(std::string_view text);

// One request on a fresh connection, which is closed afterwards.
Result<HttpResponse> SendRequest(uint16_t port, std::string_view method, std::string_view target,
                                 std::string_view body = {},
                                 std::chrono::milliseconds timeout = kDefaultTimeout);

}  // namespace edgelite::integration
