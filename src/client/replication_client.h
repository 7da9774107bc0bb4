// ReplicationClient: an embedded replica's calls to its primary, wal_log.ReplicationLog and
// proxy.Proxy over gRPC-web on the primary's user URL (docs/protocol.md §9, §10), as the official
// SDKs make them, so that a replica syncs from edgelite and from sqld alike. It carries the
// handshake's session token and the metadata every call needs (x-authorization, namespace,
// client version) and turns gRPC statuses into Statuses that say what happened. Not thread-safe:
// one per thread that talks to the primary.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "client/http_client.h"
#include "edgelite/status.h"
#include "protocol/log_frame.h"
#include "proxy.pb.h"

namespace edgelite::client {

struct PrimaryHello {
  std::string log_id;
  std::optional<uint64_t> current_frame_no;  // the primary's last committed frame
};

// The primary no longer holds frames from the offset asked for: the replica needs a snapshot.
struct NeedSnapshot {};
using FrameBatch = std::variant<std::vector<replication::LogFrame>, NeedSnapshot>;

struct ReplicationClientOptions {
  std::string base_url;  // the primary's user URL, scheme http or https
  std::string auth_token;
  std::string namespace_name = "default";  // sent as x-namespace-bin
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);
};

class ReplicationClient {
 public:
  explicit ReplicationClient(ReplicationClientOptions options);

  // True once Hello succeeded and until the primary forgets the session (NO_HELLO).
  bool has_session() const { return session_token_.has_value(); }
  // Set from another thread, ends a LogEntries stream that is waiting for frames (within about a
  // second) as if the primary had ended it.
  void set_cancel_flag(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  Result<PrimaryHello> Hello();
  // Committed frames from `next_frame_no` on, whole transactions; empty when up to date.
  Result<FrameBatch> BatchLogEntries(uint64_t next_frame_no);
  // The snapshot covering `next_frame_no`: one transaction, streamed to `on_frame` (descending
  // frame numbers, the database size on the last frame). Unavailable while the primary is still
  // writing it.
  Status Snapshot(uint64_t next_frame_no,
                  const std::function<Status(replication::LogFrame&&)>& on_frame);
  // The live stream: frames from `next_frame_no` on, then each new commit as it lands, until the
  // primary ends the stream (kEnded), answers NEED_SNAPSHOT (kNeedSnapshot), the connection fails
  // or `on_frame` returns an error (both returned as the Status).
  enum class StreamEnd { kEnded, kNeedSnapshot };
  Result<StreamEnd> LogEntries(uint64_t next_frame_no,
                               const std::function<Status(replication::LogFrame&&)>& on_frame);
  // Runs a program on the primary on the connection that `client_id` names (it keeps interactive
  // transactions across calls).
  Result<proxy::ExecuteResults> Execute(const std::string& client_id,
                                        const proxy::Program& program);
  // Ends the primary's connection for `client_id` (an open transaction there rolls back).
  Status Disconnect(const std::string& client_id);

 private:
  // One unary call; the response message's bytes.
  Result<std::string> Call(std::string_view method, const std::string& request);
  // A server-streaming call: each message to `on_message` as it arrives.
  Status Stream(std::string_view method, const std::string& request,
                const std::function<Status(std::string&&)>& on_message,
                std::chrono::milliseconds timeout);
  // A server-streaming call whose messages are replication frames.
  Status StreamFrames(std::string_view method, uint64_t next_frame_no,
                      const std::function<Status(replication::LogFrame&&)>& on_frame);
  HttpRequest MakeRequest(std::string_view method, const std::string& request,
                          std::chrono::milliseconds timeout) const;

  ReplicationClientOptions options_;
  HttpClient http_;
  std::optional<std::string> session_token_;
  const std::atomic<bool>* cancel_ = nullptr;
};

// True for the status BatchLogEntries/LogEntries/Snapshot end with when the primary restarted or
// lost the session: the caller says Hello again.
bool IsNoHello(const Status& status);

}  // namespace edgelite::client
