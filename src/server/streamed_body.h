// StreamedBody: a response body that a worker thread produces while the listener sends it, for
// answers too large to hold (GET /dump). The producer waits while kMaxBuffered bytes wait to be
// sent, so memory stays bounded whatever the size of the body and however slowly the client
// reads. The listener abandons the body when the client goes or stalls (its write fails or times
// out), and the producer's next Write says so, so that it stops and frees what it holds (a read
// snapshot keeps checkpoints from finishing).
//
// A body that fails before its first byte is answered with the producer's error response instead;
// one that fails later is cut short (the connection closes without the final chunk, which clients
// report as an incomplete transfer).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_message.h"

namespace edgelite::server {

class StreamedBody : public std::enable_shared_from_this<StreamedBody> {
 public:
  static constexpr size_t kMaxBuffered = 256 * 1024;

  // `give_up` is asked while the producer waits: true (the server is stopping) ends the wait.
  explicit StreamedBody(std::function<bool()> give_up) : give_up_(std::move(give_up)) {}

  // Producer side (a worker thread).
  // Queues `data`, first waiting while the buffer is full. False once the body is abandoned, or
  // `give_up` says so: the producer should stop.
  bool Write(std::string_view data);
  // The body is complete.
  void Finish();
  // The body failed: before anything was sent, `response` is sent instead. No effect once the
  // body has ended.
  void Fail(HttpResponse response);

  // Listener side (the connection's I/O thread).
  struct Piece {
    std::string data;                     // the next bytes of the body
    bool end = false;                     // nothing follows
    std::optional<HttpResponse> failure;  // with `end`: the body failed
  };
  // The bytes queued so far, waiting until there are some or the body has ended.
  boost::asio::awaitable<Piece> Next();
  // The client has gone, or the body will not be sent on: the producer stops at its next Write.
  void Abandon();

 private:
  Piece TakeLocked();
  void WakeReaderLocked(std::unique_lock<std::mutex>& lock);

  std::function<bool()> give_up_;
  std::mutex mutex_;
  std::condition_variable space_;  // the producer waits here for the buffer to drain
  std::string buffer_;
  bool ended_ = false;
  bool abandoned_ = false;
  std::optional<HttpResponse> failure_;
  std::function<void()> wake_reader_;  // set while Next waits
};

}  // namespace edgelite::server
