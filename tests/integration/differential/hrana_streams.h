// The two ways the differential test's clients reach a Hrana stream: HTTP (/v3/pipeline and
// /v3/cursor, the stream carried by batons) and WebSocket (the hrana3 JSON subprotocol, several
// streams over time on one connection). Both take the test's Requests and give back Outcomes, so
// the workload does not care which one it drives.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "integration/differential/model.h"
#include "integration/differential/websocket_client.h"
#include "integration/http_client.h"

namespace edgelite::differential {

using Clock = std::chrono::steady_clock;

class HranaStream {
 public:
  virtual ~HranaStream() = default;
  virtual const char* transport() const = 0;
  // Sends `requests` together (one pipeline, or messages written back to back) and returns one
  // Outcome each, in order. A cursor goes alone. A transport failure, an answer that breaks the
  // protocol, or a request-level refusal (HTTP 4xx/5xx) is an error: the workload never sends
  // anything the protocol should refuse.
  virtual Result<std::vector<Outcome>> Send(const std::vector<Request>& requests,
                                            Clock::time_point deadline) = 0;
};

class HttpStream : public HranaStream {
 public:
  explicit HttpStream(uint16_t port) : port_(port) {}
  const char* transport() const override { return "http"; }
  Result<std::vector<Outcome>> Send(const std::vector<Request>& requests,
                                    Clock::time_point deadline) override;

 private:
  Result<integration::HttpResponse> Post(std::string_view target, const std::string& body,
                                         Clock::time_point deadline);
  Result<std::vector<Outcome>> SendCursor(const Request& request, Clock::time_point deadline);

  uint16_t port_;
  std::optional<integration::HttpConnection> connection_;
  std::optional<std::string> baton_;
  bool closed_ = false;
};

// A WebSocket answer: response_ok's response, or response_error's error.
struct WebSocketAnswer {
  bool ok = false;
  boost::json::value body;
};

// One WebSocket connection after hello; streams are opened on it with WebSocketStream::Open.
class WebSocketSession {
 public:
  static Result<std::unique_ptr<WebSocketSession>> Open(uint16_t port, Clock::time_point deadline);

  // Sends `requests` (Hrana request objects) with fresh request ids, back to back, and returns
  // their answers in the same order.
  Result<std::vector<WebSocketAnswer>> Exchange(std::vector<boost::json::object> requests,
                                                Clock::time_point deadline);
  int32_t NextStreamId() { return next_stream_id_++; }
  int32_t NextCursorId() { return next_cursor_id_++; }

 private:
  explicit WebSocketSession(std::unique_ptr<WebSocketClient> socket) : socket_(std::move(socket)) {}
  std::unique_ptr<WebSocketClient> socket_;
  int32_t next_request_id_ = 1;
  int32_t next_stream_id_ = 1;
  int32_t next_cursor_id_ = 1;
};

class WebSocketStream : public HranaStream {
 public:
  // Opens a stream on `session`, which must outlive it.
  static Result<std::unique_ptr<WebSocketStream>> Open(WebSocketSession& session,
                                                       Clock::time_point deadline);
  const char* transport() const override { return "ws"; }
  Result<std::vector<Outcome>> Send(const std::vector<Request>& requests,
                                    Clock::time_point deadline) override;

 private:
  WebSocketStream(WebSocketSession& session, int32_t id) : session_(session), id_(id) {}
  Result<std::vector<Outcome>> SendCursor(const Request& request, Clock::time_point deadline);

  WebSocketSession& session_;
  int32_t id_;
};

}  // namespace edgelite::differential
