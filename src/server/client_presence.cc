// Looking at a client's socket without taking anything from it.
#include "server/client_presence.h"

#include <sys/socket.h>

#include <cerrno>

namespace edgelite::server {
namespace {

// How often the socket is looked at: a system call per check, so not at every progress callback.
constexpr auto kCheckInterval = std::chrono::milliseconds(100);

}  // namespace

ClientPresence::ClientPresence(int socket, std::shared_ptr<const std::atomic<bool>> gone)
    : socket_(socket),
      gone_(std::move(gone)),
      next_check_(std::chrono::steady_clock::now() + kCheckInterval) {}

bool ClientPresence::Gone() {
  if (seen_gone_) return true;
  if (gone_ && gone_->load(std::memory_order_relaxed)) return seen_gone_ = true;
  if (socket_ < 0) return false;
  auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return false;
  next_check_ = now + kCheckInterval;
  seen_gone_ = PeekPeer(socket_) == PeerActivity::kLeft;
  return seen_gone_;
}

PeerActivity PeekPeer(int socket) {
  char byte;
  ssize_t peeked = recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked > 0) return PeerActivity::kSentBytes;
  // 0 is the end of the stream; an error other than "nothing yet" is a reset or a dead peer.
  if (peeked == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    return PeerActivity::kLeft;
  }
  return PeerActivity::kQuiet;
}

hrana::RequestFailure ClientGoneFailure() {
  return hrana::RequestFailure{400, "The client closed its connection before the answer"};
}

}  // namespace edgelite::server
