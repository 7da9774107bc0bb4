// The hand-over between a body's producer and the listener.
#include "server/body_pipe.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <utility>

namespace edgelite::server {

namespace asio = boost::asio;

namespace {

// How often a waiting producer asks whether to give up.
constexpr auto kGiveUpCheck = std::chrono::milliseconds(100);

}  // namespace

bool BodyPipe::Write(std::string_view data) {
  std::unique_lock lock(mutex_);
  while (!abandoned_ && buffer_.size() >= kMaxBuffered && !give_up_()) {
    space_.wait_for(lock, kGiveUpCheck);
  }
  if (abandoned_ || give_up_()) return false;
  buffer_.append(data);
  WakeReaderLocked(lock);
  return true;
}

void BodyPipe::Finish() {
  std::unique_lock lock(mutex_);
  if (ended_) return;
  ended_ = true;
  WakeReaderLocked(lock);
}

void BodyPipe::Fail(HttpResponse response) {
  std::unique_lock lock(mutex_);
  if (ended_) return;
  ended_ = true;
  failure_ = std::move(response);
  WakeReaderLocked(lock);
}

void BodyPipe::Abandon() {
  std::unique_lock lock(mutex_);
  abandoned_ = true;
  buffer_.clear();
  space_.notify_all();
  if (ended_) return;
  ended_ = true;
  failure_ = HttpResponse::Text(503, "The response was abandoned");
  WakeReaderLocked(lock);
}

void BodyPipe::WakeReaderLocked(std::unique_lock<std::mutex>& lock) {
  auto wake = std::exchange(wake_reader_, nullptr);
  lock.unlock();
  if (wake) wake();
}

BodyPipe::Piece BodyPipe::TakeLocked() {
  Piece piece;
  if (!buffer_.empty()) {
    piece.data.swap(buffer_);
    space_.notify_all();
    return piece;
  }
  piece.end = true;
  piece.failure = std::move(failure_);
  return piece;
}

// A plain function, not a coroutine: async_initiate's initiation is a coroutine parameter, and
// g++ 12 destroys a temporary passed to one twice when the caller is a coroutine too.
asio::awaitable<BodyPipe::Piece> BodyPipe::Next() {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(Piece)>(
      [self = shared_from_this()](auto handler) {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        // Runs on the listener's thread, whichever thread has the bytes ready.
        auto deliver = [self, shared, executor] {
          asio::post(executor, [self, shared] {
            Piece piece;
            {
              std::lock_guard lock(self->mutex_);
              piece = self->TakeLocked();
            }
            (*shared)(std::move(piece));
          });
        };
        std::unique_lock lock(self->mutex_);
        if (self->buffer_.empty() && !self->ended_) {
          self->wake_reader_ = std::move(deliver);
          return;
        }
        lock.unlock();
        deliver();
      },
      asio::use_awaitable);
}

}  // namespace edgelite::server
