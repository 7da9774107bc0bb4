// The replica side of Hello and LogEntries: request bytes written by hand, the streamed response
// decoded chunk by chunk as it arrives.
#include "integration/log_entries_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "protocol/wire_frame.h"
#include "wal_log.pb.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;

// The messages of a complete (buffered) gRPC-web response body, and its status.
Result<std::vector<std::string>> UnaryMessages(const HttpResponse& response) {
  if (response.status != 200) {
    return Status::Io("HTTP " + std::to_string(response.status) + ": " + response.body);
  }
  protocol::GrpcWebResponseReader reader;
  reader.Feed(response.body);
  protocol::GrpcStatus status = reader.ending()
                                    ? *reader.ending()
                                    : protocol::StatusFromTrailers(response.Header("grpc-status"),
                                                                   response.Header("grpc-message"));
  if (!status.ok()) {
    return Status::Io("grpc-status " + std::to_string(int(status.code)) + ": " + status.message);
  }
  return reader.TakeMessages();
}

// The status line and headers of a response head (without the empty line that ends it).
Result<HttpResponse> ParseHead(std::string_view head) {
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  HttpResponse response;
  if (!status_line.starts_with("HTTP/1.1 ") || status_line.size() < 12 ||
      std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status).ec !=
          std::errc()) {
    return Status::Io("not an HTTP/1.1 status line: " + std::string(status_line.substr(0, 80)));
  }
  std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? "" : rest.substr(end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Status::Io("bad header line: " + std::string(line));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
  }
  return response;
}

}  // namespace

std::string GrpcWebRequest(std::string_view method_path, std::string_view message,
                           const std::optional<std::string>& session_token) {
  std::string body = protocol::EncodeDataFrame(message);
  std::string request;
  request.append("POST ").append(method_path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  request.append("content-type: application/grpc-web\r\nte: trailers\r\n");
  request.append("x-libsql-client-version: libsql-rpc-0.9.30\r\n");
  if (session_token) request.append("x-session-token: ").append(*session_token).append("\r\n");
  request.append("content-length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  request.append(body);
  return request;
}

Result<Handshake> SayHello(uint16_t port) {
  wal_log::HelloRequest hello;
  hello.set_handshake_version(1);
  Result<HttpConnection> connection = HttpConnection::Open(port);
  if (!connection.ok()) return connection.status();
  Status sent =
      connection->Send(GrpcWebRequest("/wal_log.ReplicationLog/Hello", hello.SerializeAsString()));
  if (!sent.ok()) return sent;
  Result<HttpResponse> response = connection->ReadResponse();
  if (!response.ok()) return response.status();
  Result<std::vector<std::string>> messages = UnaryMessages(*response);
  if (!messages.ok()) return messages.status();
  wal_log::HelloResponse answer;
  if (messages->size() != 1 || !answer.ParseFromString(messages->front())) {
    return Status::Io("Hello did not answer one HelloResponse");
  }
  Handshake handshake;
  handshake.session_token = answer.session_token();
  if (answer.has_current_replication_index()) {
    handshake.current_replication_index = answer.current_replication_index();
  }
  return handshake;
}

std::string LogOffsetMessage(uint64_t next_offset) {
  wal_log::LogOffset offset;
  offset.set_next_offset(next_offset);
  return offset.SerializeAsString();
}

Result<std::unique_ptr<LogEntriesStreamClient>> LogEntriesStreamClient::Open(
    uint16_t port, const std::string& session_token, uint64_t next_offset, int receive_buffer) {
  Result<int> fd = ConnectLoopback(port, Clock::now() + kDefaultTimeout);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<LogEntriesStreamClient> client(new LogEntriesStreamClient(*fd));
  if (receive_buffer > 0) {
    ::setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  std::string request = GrpcWebRequest("/wal_log.ReplicationLog/LogEntries",
                                       LogOffsetMessage(next_offset), session_token);
  std::string_view unsent = request;
  auto deadline = Clock::now() + kDefaultTimeout;
  while (!unsent.empty()) {
    ssize_t sent = ::send(*fd, unsent.data(), unsent.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      unsent.remove_prefix(size_t(sent));
    } else if (errno != EINTR && (errno != EAGAIN || !PollFor(*fd, POLLOUT, deadline))) {
      return Status::Io(std::string("sending LogEntries: ") + std::strerror(errno));
    }
  }
  return client;
}

LogEntriesStreamClient::~LogEntriesStreamClient() {
  Close();
}

void LogEntriesStreamClient::Close(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  ::close(fd_);
  fd_ = -1;
}

Status LogEntriesStreamClient::Receive(Clock::time_point deadline) {
  if (peer_closed_) return Status::Io("the server closed the stream");
  if (!PollFor(fd_, POLLIN, deadline)) return Status::Io("timed out waiting for the stream");
  char chunk[64 * 1024];
  while (true) {
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (got > 0) {
      buffer_.append(chunk, size_t(got));
      continue;
    }
    if (got == 0 || errno == ECONNRESET) {
      peer_closed_ = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return Status::Io(std::string("recv: ") + std::strerror(errno));
  }
  return Decode();
}

Status LogEntriesStreamClient::Decode() {
  if (!head_) {
    size_t head_end = buffer_.find("\r\n\r\n");
    if (head_end == std::string::npos) return Status::Ok();
    Result<HttpResponse> parsed = ParseHead(std::string_view(buffer_).substr(0, head_end));
    if (!parsed.ok()) return parsed.status();
    HttpResponse head = std::move(parsed).value();
    buffer_.erase(0, head_end + 4);
    if (Lower(head.Header("transfer-encoding")) != "chunked") {
      // A trailers-only answer: the call failed at once, its status in the headers.
      ending_ =
          protocol::StatusFromTrailers(head.Header("grpc-status"), head.Header("grpc-message"));
    }
    head_ = std::move(head);
  }
  while (!last_chunk_) {
    size_t line_end = buffer_.find("\r\n");
    if (line_end == std::string::npos) break;
    size_t size = 0;
    auto [end, error] = std::from_chars(buffer_.data(), buffer_.data() + line_end, size, 16);
    if (error != std::errc() || end != buffer_.data() + line_end) {
      return Status::Io("bad chunk size line: " +
                        buffer_.substr(0, std::min<size_t>(line_end, 40)));
    }
    if (buffer_.size() < line_end + 2 + size + 2) break;
    if (size == 0) {
      last_chunk_ = true;
    } else {
      reader_.Feed(std::string_view(buffer_).substr(line_end + 2, size));
    }
    buffer_.erase(0, line_end + 2 + size + 2);
  }
  auto arrived = Clock::now();
  for (const std::string& message : reader_.TakeMessages()) {
    wal_log::Frame wire;
    if (!wire.ParseFromString(message)) return Status::Io("a message is not a wal_log.Frame");
    Result<replication::LogFrame> frame = replication::DecodeWireFrame(wire.data());
    if (!frame.ok()) return frame.status();
    frames_.push_back({frame->frame_no, frame->is_commit(), arrived});
  }
  if (reader_.ending()) ending_ = reader_.ending();
  return Status::Ok();
}

Result<HttpResponse> LogEntriesStreamClient::ReadHead(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!head_) {
    if (Status received = Receive(deadline); !received.ok()) return received;
  }
  return *head_;
}

Result<std::vector<StreamedFrame>> LogEntriesStreamClient::ReadThrough(
    uint64_t frame_no, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (frames_.empty() || frames_.back().frame_no < frame_no) {
    if (ending_) {
      return Status::Io("the stream ended (grpc-status " + std::to_string(int(ending_->code)) +
                        " " + ending_->message + ") before frame " + std::to_string(frame_no));
    }
    if (Status received = Receive(deadline); !received.ok()) {
      return Status::Io(received.message() + ", waiting for frame " + std::to_string(frame_no));
    }
  }
  return std::exchange(frames_, {});
}

Result<std::vector<StreamedFrame>> LogEntriesStreamClient::ReadAvailable(
    std::chrono::milliseconds wait) {
  if (ending_) return Status::Io("the stream ended: " + ending_->message);
  if (PollFor(fd_, POLLIN, Clock::now() + wait)) {
    if (Status received = Receive(Clock::now()); !received.ok()) return received;
  }
  return std::exchange(frames_, {});
}

Result<protocol::GrpcStatus> LogEntriesStreamClient::ReadEnding(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!ending_) {
    if (Status received = Receive(deadline); !received.ok()) return received;
  }
  return *ending_;
}

bool LogEntriesStreamClient::AwaitCleanEnd(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!peer_closed_) {
    if (!Receive(deadline).ok() && !peer_closed_) return false;
  }
  return last_chunk_ && buffer_.empty();
}

bool LogEntriesStreamClient::StaysQuiet(std::chrono::milliseconds wait) {
  return buffer_.empty() && !PollFor(fd_, POLLIN, Clock::now() + wait);
}

}  // namespace edgelite::integration
