// BodyPipe: a streamed response body (streamed_body.h) that a worker thread writes while the
// listener sends it, for answers too large to hold that are produced by blocking code (GET /dump
// reads SQLite). The producer waits while kMaxBuffered bytes wait to be sent, so memory stays
// bounded whatever the size of the body and however slowly the client reads. Once the listener
// abandons or stops the body, the producer's next Write says so, so that it stops and frees what it
// holds (a read snapshot keeps checkpoints from finishing); a body stopped by shutdown has no
// proper ending and is cut short.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_message.h"
#include "server/streamed_body.h"

namespace edgelite::server {

class BodyPipe : public StreamedBody, public std::enable_shared_from_this<BodyPipe> {
 public:
  static constexpr size_t kMaxBuffered = 256 * 1024;

  // `give_up` is asked while the producer waits: true (the server is stopping) ends the wait.
  explicit BodyPipe(std::function<bool()> give_up) : give_up_(std::move(give_up)) {}

  // Producer side (a worker thread).
  // Queues `data`, first waiting while the buffer is full. False once the body is abandoned, or
  // `give_up` says so: the producer should stop.
  bool Write(std::string_view data);
  // The body is complete.
  void Finish();
  // The body failed: before anything was sent, `response` is sent instead. No effect once the
  // body has ended.
  void Fail(HttpResponse response);

  // Listener side.
  boost::asio::awaitable<Piece> Next() override;
  void Abandon() override;
  void Stop() override { Abandon(); }

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
