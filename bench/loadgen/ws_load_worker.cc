// The WebSocket event loop. Level-triggered epoll with EPOLLOUT asked for only while queued
// frames are partly written, as in the HTTP engine. All frames produced while handling one batch
// of received bytes (replacement requests, pongs) are queued and written with one send, so a
// pipelined socket costs one send and one recv per batch rather than per request.
#include "ws_load_worker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace edgelite::bench {
namespace {

// Back-off before reconnecting, so a server that refuses sessions is not hammered in a spin.
constexpr Nanoseconds kReconnectDelay = 20'000'000;
// Failures echoed to stderr per thread; the rest are only counted.
constexpr int kFailuresToPrint = 3;
// Every request of a socket goes to its one stream.
constexpr int32_t kStreamId = 0;

}  // namespace

WebSocketLoadWorker::WebSocketLoadWorker(const Options& options, const Endpoint& endpoint,
                                         int socket_count, uint64_t seed, Timing timing)
    : options_(options),
      endpoint_(endpoint),
      codec_(options.ws_protocol),
      random_(seed),
      sockets_(socket_count),
      timing_(timing),
      closed_count_(socket_count) {}

WebSocketLoadWorker::~WebSocketLoadWorker() {
  for (Socket& socket : sockets_) {
    if (socket.fd >= 0) close(socket.fd);
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void WebSocketLoadWorker::Run() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    Count(Failure::kConnection, ErrnoMessage("epoll_create1"));
    return;
  }
  for (Socket& socket : sockets_) Connect(socket);

  std::vector<epoll_event> events(sockets_.size());
  while (true) {
    const Nanoseconds now = Now();
    if (now >= timing_.end) break;
    Nanoseconds wake_at = timing_.end;
    if (closed_count_ > 0) {
      for (Socket& socket : sockets_) {
        if (socket.phase != Socket::Phase::kClosed) continue;
        if (socket.reconnect_at <= now) {
          Connect(socket);
        } else {
          wake_at = std::min(wake_at, socket.reconnect_at);
        }
      }
    }
    // Round up so the loop never wakes just before the deadline and spins.
    const auto timeout_ms = static_cast<int>((wake_at - now + 999'999) / 1'000'000);
    const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                 std::max(timeout_ms, 1));
    if (ready < 0) {
      if (errno == EINTR) continue;
      Count(Failure::kConnection, ErrnoMessage("epoll_wait"));
      break;
    }
    for (int i = 0; i < ready; ++i) {
      HandleEvent(sockets_[events[i].data.u32], events[i].events);
    }
  }
  for (const Socket& socket : sockets_) {
    if (socket.phase == Socket::Phase::kReady) result_.unfinished += socket.in_flight.size();
  }
}

void WebSocketLoadWorker::Connect(Socket& socket) {
  std::string error;
  const int fd = OpenConnection(endpoint_, /*non_blocking=*/true, &error);
  if (fd < 0) {
    socket.reconnect_at = Now() + kReconnectDelay;
    Count(Failure::kConnection, error);
    return;
  }
  --closed_count_;
  if (socket.ever_opened) ++result_.reconnects;
  socket.ever_opened = true;
  socket.fd = fd;
  socket.phase = Socket::Phase::kConnecting;
  socket.out.clear();
  socket.out_sent = 0;
  socket.in.clear();
  socket.reader.Reset();
  socket.in_flight.clear();
  socket.next_request_id = 0;
  epoll_event event{};
  event.events = EPOLLOUT;  // Writable means the connect finished (or failed).
  event.data.u32 = IndexOf(socket);
  socket.wants_writable = true;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    Drop(socket, Failure::kConnection, ErrnoMessage("epoll_ctl"));
  }
}

void WebSocketLoadWorker::HandleEvent(Socket& socket, uint32_t events) {
  if (socket.phase == Socket::Phase::kConnecting) {
    const int error = ConnectError(socket.fd);
    if (error != 0) {
      Drop(socket, Failure::kConnection, ErrnoMessage("connect", error));
      return;
    }
    StartHandshake(socket);
    return;
  }
  if (events & EPOLLOUT) Flush(socket);
  if (socket.phase == Socket::Phase::kClosed) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Receive(socket);
}

void WebSocketLoadWorker::StartHandshake(Socket& socket) {
  socket.handshake.emplace(options_.host, options_.port, options_.path,
                           WsProtocolName(options_.ws_protocol), random_.Next());
  socket.out = socket.handshake->request();
  socket.phase = Socket::Phase::kHandshaking;
  Flush(socket);
}

void WebSocketLoadWorker::Receive(Socket& socket) {
  char buffer[64 * 1024];
  bool end_of_stream = false;
  while (true) {
    const ssize_t received = recv(socket.fd, buffer, sizeof(buffer), 0);
    if (received > 0) {
      socket.in.append(buffer, static_cast<size_t>(received));
      if (static_cast<size_t>(received) < sizeof(buffer)) break;  // Drained; skip an EAGAIN call.
      continue;
    }
    if (received == 0) {
      end_of_stream = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Drop(socket, Failure::kConnection, ErrnoMessage("recv"));
    return;
  }

  if (socket.phase == Socket::Phase::kHandshaking) {
    switch (socket.handshake->Parse(socket.in)) {
      case WebSocketHandshake::Progress::kNeedMore:
        if (end_of_stream) {
          Drop(socket, Failure::kConnection, "connection closed during the WebSocket handshake");
        }
        return;
      case WebSocketHandshake::Progress::kError:
        Drop(socket, socket.handshake->status() != 0 ? Failure::kHttpStatus : Failure::kBadResponse,
             socket.handshake->error());
        return;
      case WebSocketHandshake::Progress::kComplete:
        break;
    }
    socket.in.erase(0, socket.handshake->consumed());
    socket.handshake.reset();
    // hello and open_stream go together: the server answers hello first and handles requests
    // in order, so the stream is open by the time its response arrives.
    codec_.Hello(options_.auth_token, &payload_);
    QueueMessage(socket, codec_.binary() ? WebSocketOpcode::kBinary : WebSocketOpcode::kText,
                 payload_);
    socket.open_stream_id = socket.next_request_id++;
    codec_.OpenStream(socket.open_stream_id, kStreamId, &payload_);
    QueueMessage(socket, codec_.binary() ? WebSocketOpcode::kBinary : WebSocketOpcode::kText,
                 payload_);
    socket.phase = Socket::Phase::kOpening;
  }

  if (!ProcessFrames(socket)) return;
  if (end_of_stream) {
    Drop(socket, Failure::kConnection, "server closed the connection without a close frame");
    return;
  }
  Flush(socket);
}

bool WebSocketLoadWorker::ProcessFrames(Socket& socket) {
  WebSocketMessage message;
  while (true) {
    switch (socket.reader.Next(socket.in, &message)) {
      case WebSocketFrameReader::Result::kNeedMore:
        socket.in.erase(0, socket.reader.consumed());
        socket.reader.Consume();
        return true;
      case WebSocketFrameReader::Result::kError:
        Drop(socket, Failure::kBadResponse, socket.reader.error());
        return false;
      case WebSocketFrameReader::Result::kMessage:
        if (!HandleMessage(socket, message)) return false;
        break;
    }
  }
}

bool WebSocketLoadWorker::HandleMessage(Socket& socket, const WebSocketMessage& message) {
  switch (message.opcode) {
    case WebSocketOpcode::kPing:
      QueueMessage(socket, WebSocketOpcode::kPong, message.payload);
      return true;
    case WebSocketOpcode::kPong:
      return true;
    case WebSocketOpcode::kClose:
      Drop(socket, Failure::kConnection,
           "server closed the WebSocket: " + DescribeClose(message.payload));
      return false;
    case WebSocketOpcode::kText:
    case WebSocketOpcode::kBinary:
      break;
    case WebSocketOpcode::kContinuation:
      return true;  // Never returned by the reader; here to keep the switch complete.
  }
  if ((message.opcode == WebSocketOpcode::kBinary) != codec_.binary()) {
    Drop(socket, Failure::kBadResponse,
         std::string(codec_.binary() ? "text" : "binary") + " frame on a " +
             WsProtocolName(options_.ws_protocol) + " socket");
    return false;
  }

  const ServerMessage decoded = codec_.Decode(message.payload);
  switch (decoded.kind) {
    case ServerMessage::Kind::kHelloOk:
      return true;
    case ServerMessage::Kind::kHelloError:
      Drop(socket, Failure::kHranaError, "hello_error: " + decoded.error);
      return false;
    case ServerMessage::Kind::kMalformed:
      if (decoded.request_id < 0) {
        // Without a request id the pipeline cannot be kept full; start the session again.
        Drop(socket, Failure::kBadResponse, decoded.error);
        return false;
      }
      break;
    case ServerMessage::Kind::kResponseOk:
    case ServerMessage::Kind::kResponseError:
      break;
  }

  if (socket.phase == Socket::Phase::kOpening) {
    if (decoded.request_id != socket.open_stream_id) {
      Drop(socket, Failure::kBadResponse,
           "response to request " + std::to_string(decoded.request_id) +
               " while waiting for open_stream");
      return false;
    }
    if (decoded.kind != ServerMessage::Kind::kResponseOk) {
      Drop(socket,
           decoded.kind == ServerMessage::Kind::kResponseError ? Failure::kHranaError
                                                               : Failure::kBadResponse,
           "open_stream failed: " + decoded.error);
      return false;
    }
    socket.phase = Socket::Phase::kReady;
    for (int i = 0; i < options_.pipeline; ++i) QueueExecute(socket);
    return true;
  }
  if (socket.phase != Socket::Phase::kReady) return true;
  HandleExecuteResponse(socket, decoded);
  return socket.phase != Socket::Phase::kClosed;
}

void WebSocketLoadWorker::HandleExecuteResponse(Socket& socket, const ServerMessage& message) {
  const Nanoseconds finished = Now();
  // Requests on one stream complete in order, so the match is nearly always the oldest.
  auto match =
      std::find_if(socket.in_flight.begin(), socket.in_flight.end(),
                   [&](const InFlight& entry) { return entry.request_id == message.request_id; });
  if (match == socket.in_flight.end()) {
    Drop(socket, Failure::kBadResponse,
         "response to request " + std::to_string(message.request_id) + ", which is not in flight");
    return;
  }
  const Nanoseconds started = match->started;
  socket.in_flight.erase(match);

  if (InWindow(finished)) {
    if (message.kind == ServerMessage::Kind::kResponseError) {
      Count(Failure::kHranaError, message.error);
    } else if (message.kind == ServerMessage::Kind::kMalformed) {
      Count(Failure::kBadResponse, message.error);
    } else if (!message.execute_rows) {
      Count(Failure::kBadResponse, "response_ok to an execute is not an execute response");
    } else if (*message.execute_rows != 1) {
      // Every id in 1..rows exists, so anything but one row means the table or server is wrong.
      Count(Failure::kBadResponse,
            "point read returned " + std::to_string(*message.execute_rows) + " rows");
    } else {
      ++result_.ok;
      result_.latency.Record(static_cast<uint64_t>(finished - started));
    }
  }
  QueueExecute(socket);
}

void WebSocketLoadWorker::QueueMessage(Socket& socket, WebSocketOpcode opcode,
                                       std::string_view payload) {
  // Masking keys need not be strong here (RFC 6455 wants them unpredictable to defeat cache
  // poisoning through proxies, and there is no proxy on loopback).
  AppendClientFrame(opcode, payload, static_cast<uint32_t>(random_.Next() >> 32), &socket.out);
}

void WebSocketLoadWorker::QueueExecute(Socket& socket) {
  const int32_t request_id = socket.next_request_id++;
  codec_.ExecutePointRead(request_id, kStreamId, random_.Between1And(options_.rows), &payload_);
  QueueMessage(socket, codec_.binary() ? WebSocketOpcode::kBinary : WebSocketOpcode::kText,
               payload_);
  socket.in_flight.push_back({request_id, Now()});
}

void WebSocketLoadWorker::Flush(Socket& socket) {
  while (socket.out_sent < socket.out.size()) {
    const ssize_t sent = send(socket.fd, socket.out.data() + socket.out_sent,
                              socket.out.size() - socket.out_sent, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        SetWantsWritable(socket, true);
        return;
      }
      Drop(socket, Failure::kConnection, ErrnoMessage("send"));
      return;
    }
    socket.out_sent += static_cast<size_t>(sent);
  }
  socket.out.clear();
  socket.out_sent = 0;
  SetWantsWritable(socket, false);
}

void WebSocketLoadWorker::SetWantsWritable(Socket& socket, bool wants) {
  if (socket.wants_writable == wants) return;
  epoll_event event{};
  event.events = wants ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  event.data.u32 = IndexOf(socket);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, socket.fd, &event) != 0) {
    Drop(socket, Failure::kConnection, ErrnoMessage("epoll_ctl"));
    return;
  }
  socket.wants_writable = wants;
}

void WebSocketLoadWorker::Drop(Socket& socket, Failure failure, const std::string& message) {
  Count(failure, message);
  if (socket.fd >= 0) {
    close(socket.fd);  // Also removes it from the epoll set.
    socket.fd = -1;
  }
  if (socket.phase != Socket::Phase::kClosed) ++closed_count_;
  socket.phase = Socket::Phase::kClosed;
  socket.wants_writable = false;
  socket.in_flight.clear();
  socket.handshake.reset();
  socket.reconnect_at = Now() + kReconnectDelay;
}

void WebSocketLoadWorker::Count(Failure failure, const std::string& message) {
  if (!InWindow(Now())) return;
  ++result_.failures[static_cast<int>(failure)];
  if (result_.first_error.empty()) result_.first_error = message;
  if (printed_failures_ < kFailuresToPrint) {
    ++printed_failures_;
    std::fprintf(stderr, "edgelite_loadgen: %s: %s\n", FailureName(failure), message.c_str());
  }
}

}  // namespace edgelite::bench
