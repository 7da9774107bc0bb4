// A replica's side of the replication calls (docs/protocol.md §9), over raw loopback sockets so
// that tests control exactly how it reads: Hello for the session token, then a live LogEntries
// stream whose chunked gRPC-web response is decoded as it arrives (with the SDK's
// GrpcWebResponseReader) into frames, until its trailers. A test can stop reading (a slow replica)
// or vanish (close or reset the connection), as real replicas do.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgelite/status.h"
#include "integration/http_client.h"
#include "protocol/grpc_web_framing.h"

namespace edgelite::integration {

// A gRPC-web call's HTTP request, with the headers libsql sends.
std::string GrpcWebRequest(std::string_view method_path, std::string_view message,
                           const std::optional<std::string>& session_token = std::nullopt);

struct Handshake {
  std::string session_token;
  std::optional<uint64_t> current_replication_index;  // nullopt for an empty log
};
// Hello on a connection of its own.
Result<Handshake> SayHello(uint16_t port);

// A LogOffset message asking for frames from `next_offset` on.
std::string LogOffsetMessage(uint64_t next_offset);

// One frame as the stream delivered it.
struct StreamedFrame {
  uint64_t frame_no = 0;
  bool commit = false;  // the last frame of a transaction
  std::chrono::steady_clock::time_point arrived;
};

class LogEntriesStreamClient {
 public:
  // Connects and calls LogEntries(`next_offset`). A `receive_buffer` (bytes) shrinks the socket's
  // window, so that a client that stops reading soon holds the server up.
  static Result<std::unique_ptr<LogEntriesStreamClient>> Open(uint16_t port,
                                                              const std::string& session_token,
                                                              uint64_t next_offset,
                                                              int receive_buffer = 0);
  ~LogEntriesStreamClient();
  LogEntriesStreamClient(const LogEntriesStreamClient&) = delete;
  LogEntriesStreamClient& operator=(const LogEntriesStreamClient&) = delete;

  // Reads until the response head is in: its status and headers (the body stays unread).
  Result<HttpResponse> ReadHead(std::chrono::milliseconds timeout = kDefaultTimeout);
  // Reads until frame `frame_no` has arrived; the frames that came (from the first not yet
  // returned), which may go past it only within the chunk that carried it.
  Result<std::vector<StreamedFrame>> ReadThrough(
      uint64_t frame_no, std::chrono::milliseconds timeout = kDefaultTimeout);
  // The frames that arrive within `wait` (none is not an error; the stream's end is).
  Result<std::vector<StreamedFrame>> ReadAvailable(std::chrono::milliseconds wait);
  // Reads until the trailers: their status (frames before them are kept for ReadThrough).
  Result<protocol::GrpcStatus> ReadEnding(std::chrono::milliseconds timeout = kDefaultTimeout);
  // After the trailers: whether the last chunk came and then the server closed the connection.
  bool AwaitCleanEnd(std::chrono::milliseconds timeout = kDefaultTimeout);
  // True when nothing at all arrives within `wait`.
  bool StaysQuiet(std::chrono::milliseconds wait);

  // Closes the socket; with `reset`, as a crashed replica (RST).
  void Close(bool reset = false);

 private:
  explicit LogEntriesStreamClient(int fd) : fd_(fd) {}
  // Receives what is there (waiting until `deadline` for something) and decodes it.
  Status Receive(std::chrono::steady_clock::time_point deadline);
  Status Decode();

  int fd_ = -1;
  std::string buffer_;  // received, not yet decoded
  std::optional<HttpResponse> head_;
  protocol::GrpcWebResponseReader reader_;
  std::vector<StreamedFrame> frames_;  // decoded, not yet returned
  std::optional<protocol::GrpcStatus> ending_;
  bool last_chunk_ = false;
  bool peer_closed_ = false;
};

}  // namespace edgelite::integration
