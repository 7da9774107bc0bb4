// Following the log: batches while it has frames, a wait for the next commit when it has none.
#include "server/replication/log_entries_stream.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <utility>
#include <variant>

#include "server/replication/frame_messages.h"

namespace edgelite::replication {

namespace asio = boost::asio;
using server::GrpcCode;
using server::GrpcStatus;

server::GrpcReply<std::shared_ptr<LogEntriesStream>> LogEntriesStream::Open(
    FrameSource& source, uint64_t from, std::string replica,
    std::chrono::milliseconds idle_renewal, std::shared_ptr<const void> source_owner,
    FramesSent on_frames_sent) {
  auto first = ReadFrameMessages(source, from, kFramesPerRead);
  if (auto* status = std::get_if<GrpcStatus>(&first)) return *status;
  std::shared_ptr<LogEntriesStream> stream(
      new LogEntriesStream(source, from, std::move(replica), idle_renewal,
                           std::move(source_owner), std::move(on_frames_sent)));
  stream->unsent_ = stream->EncodeBatch(std::get<std::vector<wal_log::Frame>>(first));
  // Held weakly: a commit must not keep a stream that its listener has let go.
  stream->commits_ =
      source.SubscribeToCommits([weak = std::weak_ptr<LogEntriesStream>(stream)](uint64_t) {
        if (auto alive = weak.lock()) alive->Resume();
      });
  return stream;
}

std::string LogEntriesStream::EncodeBatch(const std::vector<wal_log::Frame>& messages) {
  std::string framed;
  for (const wal_log::Frame& message : messages) {
    framed += server::EncodeDataFrame(message.SerializeAsString());
  }
  next_frame_no_ += messages.size();  // gapless: ReadFrameMessages checked it
  if (on_frames_sent_) on_frames_sent_(messages.size(), next_frame_no_);
  return framed;
}

LogEntriesStream::~LogEntriesStream() {
  std::string why = ending_ ? fmt::format("grpc-status {} {}", int(ending_->code), ending_->message)
                    : abandoned_ ? "the client left or stopped reading"
                                 : "the response was dropped";
  // An idle stream renewed is routine: it would fill the log with a line per replica every
  // kIdleRenewal; a failure deserves a warning.
  auto level = !ending_                               ? spdlog::level::info
               : ending_->ok()                        ? spdlog::level::debug
               : ending_->code == GrpcCode::kInternal ? spdlog::level::warn
                                                      : spdlog::level::info;
  spdlog::log(level, "LogEntries stream to {} from frame {} ended with {} frames read: {}",
              replica_, first_frame_no_, next_frame_no_ - first_frame_no_, why);
}

server::StreamedBody::Piece LogEntriesStream::End(const GrpcStatus& status) {
  ending_ = status;
  return Piece{server::EncodeTrailersFrame(status), false, std::nullopt};
}

asio::awaitable<server::StreamedBody::Piece> LogEntriesStream::Next() {
  if (!unsent_.empty()) {
    started_ = true;
    co_return Piece{std::exchange(unsent_, std::string()), false, std::nullopt};
  }
  if (ending_) co_return Piece{"", true, std::nullopt};
  if (!started_) {
    // The replica is up to date: the response head goes out now, the frames with the next commit.
    started_ = true;
    co_return Piece{};
  }
  while (true) {
    bool stopping, abandoned;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
      abandoned = abandoned_;
    }
    if (abandoned) {
      co_return Piece{"", true,
                      server::MakeGrpcWebResponse(
                          {}, GrpcStatus{GrpcCode::kCancelled, "the stream was abandoned"})};
    }
    if (stopping) co_return End({GrpcCode::kUnavailable, "the server is shutting down"});
    auto batch = ReadFrameMessages(source_, next_frame_no_, kFramesPerRead);
    if (auto* status = std::get_if<GrpcStatus>(&batch)) co_return End(*status);
    const auto& messages = std::get<std::vector<wal_log::Frame>>(batch);
    auto now = std::chrono::steady_clock::now();
    if (!messages.empty()) {
      last_sent_ = now;
      co_return Piece{EncodeBatch(messages), false, std::nullopt};
    }
    auto renewal = last_sent_ + idle_renewal_;
    if (now >= renewal) co_return End({GrpcCode::kOk, ""});
    co_await CommitOf(next_frame_no_, renewal);
    if (auto timer = idle_timer_.lock()) timer->cancel();
  }
}

// A plain function, not a coroutine: async_initiate's initiation is a coroutine parameter, and
// g++ 12 destroys a temporary passed to one twice when the caller is a coroutine too.
asio::awaitable<void> LogEntriesStream::CommitOf(uint64_t frame_no,
                                                 std::chrono::steady_clock::time_point deadline) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [self = shared_from_this(), frame_no, deadline](auto handler) {
        auto executor = asio::get_associated_executor(handler);
        // The timer belongs to the wait (the stream only cancels it): it must not outlive the
        // connection's I/O context, as a stream may.
        auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
        timer->async_wait(
            [weak = std::weak_ptr(self), timer](const boost::system::error_code& error) {
              if (error) return;  // cancelled: the stream went on before the deadline
              if (auto alive = weak.lock()) alive->Resume();
            });
        self->idle_timer_ = timer;
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        // Whichever thread resumes the stream (the committing one, shutdown, the listener), Next
        // goes on on its own I/O thread.
        std::function<void()> resume = [shared, executor] {
          asio::post(executor, [shared] { (*shared)(); });
        };
        {
          std::lock_guard lock(self->mutex_);
          if (!self->stopping_ && !self->abandoned_) self->resume_ = std::exchange(resume, nullptr);
        }
        if (resume) {
          resume();
          return;
        }
        // A commit that landed after the read that found nothing, but before resume_ was set,
        // resumed nobody: look again now that a later one cannot be missed.
        std::optional<uint64_t> last = self->source_.last_committed_frame_no();
        if (last && *last >= frame_no) self->Resume();
      },
      asio::use_awaitable);
}

void LogEntriesStream::Resume() {
  std::function<void()> resume;
  {
    std::lock_guard lock(mutex_);
    resume = std::exchange(resume_, nullptr);
  }
  if (resume) resume();
}

void LogEntriesStream::Abandon() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
  }
  Resume();
}

void LogEntriesStream::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  Resume();
}

}  // namespace edgelite::replication
