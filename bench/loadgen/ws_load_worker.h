// WebSocketLoadWorker drives the ws-point-read workload over its share of the sockets: each
// socket does the WebSocket handshake with the chosen Hrana subprotocol, sends `hello` (with the
// JWT when --auth-token is given) and `open_stream` once, and from then on keeps exactly
// `pipeline` point-read `execute` requests in flight, sending a new one whenever a response
// arrives. A response counts only if it is a `response_ok` to a request this socket has in
// flight and its result holds exactly one row. Like the HTTP engine it is one epoll loop per
// thread, ends on time even if the server stalls, and reports requests still in flight then as
// unfinished. A socket that fails at the WebSocket or Hrana session level (refused handshake,
// hello_error, open_stream refused, close frame, bad framing) is closed and reopened after a
// short back-off; an error response to a single execute is only counted.
#ifndef EDGELITE_BENCH_LOADGEN_WS_LOAD_WORKER_H_
#define EDGELITE_BENCH_LOADGEN_WS_LOAD_WORKER_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "fast_random.h"
#include "hrana_ws_codec.h"
#include "load_result.h"
#include "options.h"
#include "run_clock.h"
#include "socket_util.h"
#include "websocket_frames.h"
#include "websocket_handshake.h"

namespace edgelite::bench {

class WebSocketLoadWorker {
 public:
  WebSocketLoadWorker(const Options& options, const Endpoint& endpoint, int socket_count,
                      uint64_t seed, Timing timing);
  WebSocketLoadWorker(const WebSocketLoadWorker&) = delete;
  WebSocketLoadWorker& operator=(const WebSocketLoadWorker&) = delete;
  ~WebSocketLoadWorker();

  void Run();
  const LoadResult& result() const { return result_; }

 private:
  struct InFlight {
    int32_t request_id;
    Nanoseconds started;
  };

  struct Socket {
    // closed -> connecting -> handshaking (Upgrade sent) -> opening (hello + open_stream sent)
    // -> ready (executes pipelined) ; any session failure -> closed.
    enum class Phase { kClosed, kConnecting, kHandshaking, kOpening, kReady };
    Phase phase = Phase::kClosed;
    int fd = -1;
    bool wants_writable = false;  // EPOLLOUT currently registered.
    std::string out;              // Frames queued; out_sent bytes of it already written.
    size_t out_sent = 0;
    std::string in;  // Received bytes not yet consumed.
    std::optional<WebSocketHandshake> handshake;
    WebSocketFrameReader reader;
    int32_t open_stream_id = -1;  // Request id of the open_stream request.
    int32_t next_request_id = 0;
    std::deque<InFlight> in_flight;  // Executes awaiting a response, oldest first.
    Nanoseconds reconnect_at = 0;
    bool ever_opened = false;
  };

  void Connect(Socket& socket);
  void HandleEvent(Socket& socket, uint32_t events);
  void StartHandshake(Socket& socket);
  void Receive(Socket& socket);
  // Handles every complete message in socket.in; false if the socket was dropped.
  bool ProcessFrames(Socket& socket);
  bool HandleMessage(Socket& socket, const WebSocketMessage& message);
  void HandleExecuteResponse(Socket& socket, const ServerMessage& message);
  void QueueMessage(Socket& socket, WebSocketOpcode opcode, std::string_view payload);
  void QueueExecute(Socket& socket);
  void Flush(Socket& socket);
  void SetWantsWritable(Socket& socket, bool wants);
  void Drop(Socket& socket, Failure failure, const std::string& message);
  void Count(Failure failure, const std::string& message);
  bool InWindow(Nanoseconds time) const { return time >= timing_.measure_start; }
  uint32_t IndexOf(const Socket& socket) const {
    return static_cast<uint32_t>(&socket - sockets_.data());
  }

  const Options& options_;
  Endpoint endpoint_;
  HranaWsCodec codec_;
  FastRandom random_;
  std::vector<Socket> sockets_;
  Timing timing_;
  int epoll_fd_ = -1;
  int closed_count_ = 0;
  int printed_failures_ = 0;
  std::string payload_;  // Reused for each message's payload before it is framed.
  LoadResult result_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_WS_LOAD_WORKER_H_
