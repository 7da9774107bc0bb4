// ClientPresence: whether the client that sent a request is still there to read its answer. A
// request whose client has gone is stopped (its statement interrupted, a write rolled back): nobody
// would read the result, and a client that retries after a timeout would otherwise pile up runaway
// queries, or keep the write lock, until nothing is left for anyone else.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "hrana/execution.h"

namespace edgelite::server {

class ClientPresence {
 public:
  // A client that is never known to leave (internal work, tests).
  ClientPresence() = default;
  // The client behind `socket` (-1: none to look at); `gone`, when given, is set by the transport
  // once the connection has ended (a WebSocket whose unread frames would hide the end from a peek).
  explicit ClientPresence(int socket, std::shared_ptr<const std::atomic<bool>> gone = nullptr);

  // Cheap enough for SQLite's progress handler and for every request: the socket is looked at only
  // once the request has lasted a check interval, then once per interval; a client once seen gone
  // stays gone.
  bool Gone();

 private:
  int socket_ = -1;
  std::shared_ptr<const std::atomic<bool>> gone_;
  std::chrono::steady_clock::time_point next_check_{};
  bool seen_gone_ = false;
};

// What a look at a client's socket, taking nothing from it, tells: the client closed or reset its
// side (a half-close counts: it has given up on the answer), it sent bytes (a pipelined request,
// which says nothing either way), or nothing happened.
enum class PeerActivity { kLeft, kSentBytes, kQuiet };
PeerActivity PeekPeer(int socket);

// The outcome of a request stopped because its client had gone (nobody reads it; logs show it).
hrana::RequestFailure ClientGoneFailure();

}  // namespace edgelite::server
