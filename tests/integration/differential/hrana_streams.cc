// Hrana streams over HTTP pipelines and over the hrana3 WebSocket subprotocol.
#include "integration/differential/hrana_streams.h"

#include <fmt/format.h>

#include <map>

#include "integration/differential/wire.h"

namespace edgelite::differential {
namespace {

namespace bj = boost::json;

constexpr uint32_t kCursorFetchCount = 5;  // small, so that long results take several fetches

std::chrono::milliseconds Left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

Result<bj::value> Parse(std::string_view text, std::string_view what) {
  bj::error_code error;
  bj::value value = bj::parse(bj::string_view(text.data(), text.size()), error);
  if (error) {
    return Status::Internal(
        fmt::format("{} is not valid JSON ({}): {}", what, error.message(), text.substr(0, 400)));
  }
  return value;
}

bool HasCursor(const std::vector<Request>& requests) {
  for (const Request& request : requests) {
    if (request.kind == RequestKind::kCursor) return true;
  }
  return false;
}

}  // namespace

Result<integration::HttpResponse> HttpStream::Post(std::string_view target, const std::string& body,
                                                   Clock::time_point deadline) {
  if (!connection_) {
    Result<integration::HttpConnection> opened = integration::HttpConnection::Open(port_);
    if (!opened.ok()) return opened.status();
    connection_ = std::move(*opened);
  }
  Result<integration::HttpResponse> response =
      connection_->Request("POST", target, body, Left(deadline));
  if (!response.ok() || response->closes_connection()) connection_.reset();
  if (!response.ok()) {
    return Status::Io(fmt::format("POST {}: {}", target, response.status().message()));
  }
  if (response->status != 200) {
    return Status::Internal(fmt::format("POST {} answered HTTP {}: {}", target, response->status,
                                        response->body.substr(0, 400)));
  }
  return response;
}

Result<std::vector<Outcome>> HttpStream::Send(const std::vector<Request>& requests,
                                              Clock::time_point deadline) {
  if (closed_) return Status::Internal("the test sent on a closed HTTP stream");
  if (HasCursor(requests)) {
    if (requests.size() != 1) return Status::Internal("the test put a cursor in a pipeline");
    return SendCursor(requests[0], deadline);
  }
  bj::object body;
  body["baton"] = baton_ ? bj::value(*baton_) : bj::value(nullptr);
  bj::array encoded;
  bool closes = false;
  for (const Request& request : requests) {
    encoded.push_back(wire::EncodeRequest(request));
    closes = closes || request.kind == RequestKind::kClose;
  }
  body["requests"] = std::move(encoded);
  Result<integration::HttpResponse> response = Post("/v3/pipeline", bj::serialize(body), deadline);
  if (!response.ok()) return response.status();
  Result<bj::value> parsed = Parse(response->body, "the pipeline response");
  if (!parsed.ok()) return parsed.status();
  const bj::object* object = parsed->if_object();
  const bj::value* results = object ? object->if_contains("results") : nullptr;
  const bj::value* baton = object ? object->if_contains("baton") : nullptr;
  if (!results || !results->is_array() || results->get_array().size() != requests.size() ||
      !baton || !(baton->is_string() || baton->is_null())) {
    return Status::Internal("malformed pipeline response: " + response->body.substr(0, 400));
  }
  if (closes) {
    closed_ = true;
    baton_.reset();
  } else if (baton->is_null()) {
    return Status::Internal("the server ended an HTTP stream that was not closed (null baton)");
  } else {
    baton_ = std::string(baton->get_string());
  }
  std::vector<Outcome> outcomes;
  for (size_t i = 0; i < requests.size(); ++i) {
    const bj::value& result = results->get_array()[i];
    const bj::object* entry = result.if_object();
    const bj::value* type = entry ? entry->if_contains("type") : nullptr;
    Result<Outcome> outcome =
        Status::Internal("malformed pipeline result: " + bj::serialize(result));
    if (type && type->is_string() && type->get_string() == "ok" && entry->contains("response")) {
      outcome = wire::DecodeResponse(requests[i], entry->at("response"));
    } else if (type && type->is_string() && type->get_string() == "error" &&
               entry->contains("error")) {
      outcome = wire::DecodeError(entry->at("error"));
    }
    if (!outcome.ok()) return outcome.status();
    outcomes.push_back(std::move(*outcome));
  }
  return outcomes;
}

Result<std::vector<Outcome>> HttpStream::SendCursor(const Request& request,
                                                    Clock::time_point deadline) {
  bj::object body;
  body["baton"] = baton_ ? bj::value(*baton_) : bj::value(nullptr);
  body["batch"] = wire::EncodeBatch(request.steps);
  Result<integration::HttpResponse> response = Post("/v3/cursor", bj::serialize(body), deadline);
  if (!response.ok()) return response.status();
  std::vector<bj::value> entries;
  std::optional<bj::value> header;
  std::string_view text = response->body;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty()) continue;
    Result<bj::value> parsed = Parse(line, "a cursor response line");
    if (!parsed.ok()) return parsed.status();
    if (!header) {
      header = std::move(*parsed);
    } else {
      entries.push_back(std::move(*parsed));
    }
  }
  const bj::object* object = header ? header->if_object() : nullptr;
  const bj::value* baton = object ? object->if_contains("baton") : nullptr;
  if (!baton || !baton->is_string()) {
    return Status::Internal("malformed cursor response header: " + response->body.substr(0, 400));
  }
  baton_ = std::string(baton->get_string());
  Result<Outcome> outcome = wire::DecodeCursor(request, entries);
  if (!outcome.ok()) return outcome.status();
  return std::vector<Outcome>{std::move(*outcome)};
}

Result<std::unique_ptr<WebSocketSession>> WebSocketSession::Open(uint16_t port,
                                                                 Clock::time_point deadline) {
  auto socket = WebSocketClient::Connect(port, "hrana3", deadline);
  if (!socket.ok()) return socket.status();
  if (Status sent = (*socket)->SendText(R"({"type":"hello","jwt":null})", deadline); !sent.ok()) {
    return sent;
  }
  Result<std::string> answer = (*socket)->ReceiveText(deadline);
  if (!answer.ok()) return answer.status();
  Result<bj::value> parsed = Parse(*answer, "the hello answer");
  if (!parsed.ok()) return parsed.status();
  const bj::object* object = parsed->if_object();
  const bj::value* type = object ? object->if_contains("type") : nullptr;
  if (!type || !type->is_string() || type->get_string() != "hello_ok") {
    return Status::Internal("the server did not accept hello: " + *answer);
  }
  return std::unique_ptr<WebSocketSession>(new WebSocketSession(std::move(*socket)));
}

Result<std::vector<WebSocketAnswer>> WebSocketSession::Exchange(std::vector<bj::object> requests,
                                                                Clock::time_point deadline) {
  std::map<int64_t, size_t> pending;  // request id -> index
  for (size_t i = 0; i < requests.size(); ++i) {
    int32_t id = next_request_id_++;
    pending[id] = i;
    bj::object message;
    message["type"] = "request";
    message["request_id"] = id;
    message["request"] = std::move(requests[i]);
    if (Status sent = socket_->SendText(bj::serialize(message), deadline); !sent.ok()) return sent;
  }
  std::vector<WebSocketAnswer> answers(requests.size());
  while (!pending.empty()) {
    Result<std::string> text = socket_->ReceiveText(deadline);
    if (!text.ok()) return text.status();
    Result<bj::value> parsed = Parse(*text, "a WebSocket message");
    if (!parsed.ok()) return parsed.status();
    const bj::object* object = parsed->if_object();
    const bj::value* type = object ? object->if_contains("type") : nullptr;
    const bj::value* id = object ? object->if_contains("request_id") : nullptr;
    if (!type || !type->is_string() || !id || !id->is_int64() ||
        !pending.contains(id->get_int64())) {
      return Status::Internal("unexpected WebSocket message: " + text->substr(0, 400));
    }
    size_t index = pending[id->get_int64()];
    pending.erase(id->get_int64());
    if (type->get_string() == "response_ok" && object->contains("response")) {
      answers[index] = {true, object->at("response")};
    } else if (type->get_string() == "response_error" && object->contains("error")) {
      answers[index] = {false, object->at("error")};
    } else {
      return Status::Internal("unexpected WebSocket message: " + text->substr(0, 400));
    }
  }
  return answers;
}

Result<std::unique_ptr<WebSocketStream>> WebSocketStream::Open(WebSocketSession& session,
                                                               Clock::time_point deadline) {
  int32_t id = session.NextStreamId();
  bj::object open;
  open["type"] = "open_stream";
  open["stream_id"] = id;
  auto answers = session.Exchange({std::move(open)}, deadline);
  if (!answers.ok()) return answers.status();
  if (!(*answers)[0].ok) {
    return Status::Internal("open_stream failed: " + bj::serialize((*answers)[0].body));
  }
  return std::unique_ptr<WebSocketStream>(new WebSocketStream(session, id));
}

Result<std::vector<Outcome>> WebSocketStream::Send(const std::vector<Request>& requests,
                                                   Clock::time_point deadline) {
  if (HasCursor(requests)) {
    if (requests.size() != 1) return Status::Internal("the test sent a cursor with other requests");
    return SendCursor(requests[0], deadline);
  }
  std::vector<bj::object> encoded;
  for (const Request& request : requests) encoded.push_back(wire::EncodeRequest(request, id_));
  auto answers = session_.Exchange(std::move(encoded), deadline);
  if (!answers.ok()) return answers.status();
  std::vector<Outcome> outcomes;
  for (size_t i = 0; i < requests.size(); ++i) {
    const WebSocketAnswer& answer = (*answers)[i];
    Result<Outcome> outcome =
        answer.ok ? wire::DecodeResponse(requests[i], answer.body) : wire::DecodeError(answer.body);
    if (!outcome.ok()) return outcome.status();
    outcomes.push_back(std::move(*outcome));
  }
  return outcomes;
}

Result<std::vector<Outcome>> WebSocketStream::SendCursor(const Request& request,
                                                         Clock::time_point deadline) {
  int32_t cursor_id = session_.NextCursorId();
  bj::object open;
  open["type"] = "open_cursor";
  open["stream_id"] = id_;
  open["cursor_id"] = cursor_id;
  open["batch"] = wire::EncodeBatch(request.steps);
  auto opened = session_.Exchange({std::move(open)}, deadline);
  if (!opened.ok()) return opened.status();
  if (!(*opened)[0].ok) {
    Result<Outcome> outcome = wire::DecodeError((*opened)[0].body);
    if (!outcome.ok()) return outcome.status();
    return std::vector<Outcome>{std::move(*outcome)};
  }
  std::vector<bj::value> entries;
  while (true) {
    bj::object fetch;
    fetch["type"] = "fetch_cursor";
    fetch["cursor_id"] = cursor_id;
    fetch["max_count"] = kCursorFetchCount;
    auto fetched = session_.Exchange({std::move(fetch)}, deadline);
    if (!fetched.ok()) return fetched.status();
    const WebSocketAnswer& answer = (*fetched)[0];
    const bj::object* object = answer.body.if_object();
    const bj::value* got = object ? object->if_contains("entries") : nullptr;
    const bj::value* done = object ? object->if_contains("done") : nullptr;
    if (!answer.ok || !got || !got->is_array() || !done || !done->is_bool()) {
      return Status::Internal("fetch_cursor failed: " + bj::serialize(answer.body));
    }
    if (got->get_array().size() > kCursorFetchCount) {
      return Status::Internal("fetch_cursor returned more entries than max_count");
    }
    for (const bj::value& entry : got->get_array()) entries.push_back(entry);
    if (done->get_bool()) break;
  }
  bj::object close;
  close["type"] = "close_cursor";
  close["cursor_id"] = cursor_id;
  auto closed = session_.Exchange({std::move(close)}, deadline);
  if (!closed.ok()) return closed.status();
  if (!(*closed)[0].ok) {
    return Status::Internal("close_cursor failed: " + bj::serialize((*closed)[0].body));
  }
  Result<Outcome> outcome = wire::DecodeCursor(request, entries);
  if (!outcome.ok()) return outcome.status();
  return std::vector<Outcome>{std::move(*outcome)};
}

}  // namespace edgelite::differential
