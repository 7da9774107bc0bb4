// LogEntriesStream: the answer to a LogEntries call, an endless server stream as on sqld
// (docs/protocol.md §9.4): the frames the log holds from the replica's offset, then each commit as
// it lands. It is a streamed HTTP body (streamed_body.h) of gRPC-web data frames, one wal_log.Frame
// message per log frame, made only when the listener asks for more: the log is read a batch of
// whole transactions at a time, once the previous batch has been written to the socket, so a
// replica that reads slowly costs one batch of memory, not the log, and each batch it receives ends
// on a commit frame. At the end of the log it waits for the next commit without holding a thread:
// the frame source's commit notification resumes it on its connection's I/O thread.
//
// Nothing can be sent while the log is idle: gRPC-web has no ping, and an empty message reaches
// replicas as a Frame without data, which they refuse. Yet proxies (and the SDK's own idle limit)
// cut a response that stays silent for long, and the replica would see a failure. So a stream that
// has waited kIdleRenewal for a commit ends in order instead (status OK, as sqld ends a stream when
// a namespace's config changes), and replicas call again at once, on the same connection. That
// also bounds what a replica that vanished without a word (no FIN, no RST) holds: its stream goes
// at the renewal, its connection when it idles out.
//
// How else it ends:
// - the client goes: the listener abandons it, and it frees what it holds at once;
// - the server stops: trailers UNAVAILABLE "the server is shutting down", after the batch in
//   flight, so the replica has whole transactions, and a status that gRPC clients retry after a
//   pause, with a new Hello (the restarted server has a new session anyway);
// - the log no longer holds its position (compacted into a snapshot): trailers FAILED_PRECONDITION
//   NEED_SNAPSHOT, as sqld ends such a stream; a read failure: trailers INTERNAL.
// The end of every stream is logged, with its position and why it ended.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/grpc_web.h"
#include "server/replication/frame_source.h"
#include "server/streamed_body.h"
#include "wal_log.pb.h"

namespace edgelite::replication {

// Told, after frames are answered to a replica, how many (for the namespace's usage) and the first
// frame the replica has not been sent (its position, for the replication lag).
using FramesSent = std::function<void(uint64_t frames, uint64_t replica_next_offset)>;

class LogEntriesStream : public server::StreamedBody,
                         public std::enable_shared_from_this<LogEntriesStream> {
 public:
  // Frames per read of the log, about 270 KB of messages: what a stream holds at most, unless one
  // transaction is larger (a batch is whole transactions).
  static constexpr size_t kFramesPerRead = 64;
  // Below the idle timeouts of common proxies (30 to 60 s).
  static constexpr std::chrono::milliseconds kIdleRenewal = std::chrono::seconds(25);

  // A stream of `source`'s frames from `from` on, with its first batch read: a failure there
  // (NEED_SNAPSHOT, INTERNAL) is the call's status, before any message, as on sqld. `replica`
  // names the caller in the log.
  static server::GrpcReply<std::shared_ptr<LogEntriesStream>> Open(
      FrameSource& source, uint64_t from, std::string replica,
      std::chrono::milliseconds idle_renewal = kIdleRenewal,
      std::shared_ptr<const void> source_owner = nullptr,
      FramesSent on_frames_sent = nullptr);
  ~LogEntriesStream() override;

  boost::asio::awaitable<Piece> Next() override;
  void Abandon() override;
  void Stop() override;

 private:
  LogEntriesStream(FrameSource& source, uint64_t from, std::string replica,
                   std::chrono::milliseconds idle_renewal, std::shared_ptr<const void> source_owner,
                   FramesSent on_frames_sent)
      : source_owner_(std::move(source_owner)),
        on_frames_sent_(std::move(on_frames_sent)),
        source_(source),
        replica_(std::move(replica)),
        idle_renewal_(idle_renewal),
        first_frame_no_(from),
        next_frame_no_(from) {}

  // `messages` as data frames, for the next piece; the stream moves past them.
  std::string EncodeBatch(const std::vector<wal_log::Frame>& messages);
  // The piece that ends the stream with `status`; Next then returns the end.
  Piece End(const server::GrpcStatus& status);
  // Completes once frame `frame_no` is committed, `deadline` passes, or the stream is stopped or
  // abandoned.
  boost::asio::awaitable<void> CommitOf(uint64_t frame_no,
                                        std::chrono::steady_clock::time_point deadline);
  // From any thread: resumes a Next that waits in CommitOf.
  void Resume();

  std::shared_ptr<const void> source_owner_;  // keeps `source_` alive (its namespace loaded)
  FramesSent on_frames_sent_;  // may be null
  FrameSource& source_;
  CommitSubscription commits_;
  const std::string replica_;
  const std::chrono::milliseconds idle_renewal_;
  const uint64_t first_frame_no_;

  // Only Next touches these (the connection's I/O thread).
  uint64_t next_frame_no_;
  std::string unsent_;  // framed messages read but not yet handed to the listener
  bool started_ = false;
  std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
  std::optional<server::GrpcStatus> ending_;             // set once the trailers are handed over
  std::weak_ptr<boost::asio::steady_timer> idle_timer_;  // while CommitOf waits

  std::mutex mutex_;  // guards what other threads touch
  bool stopping_ = false;
  bool abandoned_ = false;
  std::function<void()> resume_;  // set while Next waits for a commit
};

}  // namespace edgelite::replication
