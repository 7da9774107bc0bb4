// OpenOptions: how to open a Database. Three modes share one API, chosen by which fields are set:
//  - a local file: `path` only;
//  - a remote database: `url` (http://, https://, libsql://, ws://, wss://) and `auth_token`;
//  - an embedded replica: `path` and `sync_url` (and `auth_token`): a local SQLite file in this
//    process, kept in sync with the primary at `sync_url`; reads are local, writes go to the
//    primary and come back before the call returns (read-your-writes).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace edgelite {

// When an embedded replica pulls from its primary on its own. Whatever the choice, `Sync()` pulls
// on demand and a write through the replica syncs up to itself before it returns.
class SyncInterval {
 public:
  // Never in the background: only `Sync()`, `SyncUntil()` and writes move the replica.
  static SyncInterval Manual() { return SyncInterval(Kind::kManual, {}); }
  // A background pull every `period`.
  static SyncInterval Every(std::chrono::milliseconds period) {
    return SyncInterval(Kind::kPeriodic, period);
  }
  // A stream kept open to the primary, which pushes each commit as it lands; reconnects with
  // backoff when the primary goes away.
  static SyncInterval Live() { return SyncInterval(Kind::kLive, {}); }

  bool manual() const { return kind_ == Kind::kManual; }
  bool live() const { return kind_ == Kind::kLive; }
  bool periodic() const { return kind_ == Kind::kPeriodic; }
  std::chrono::milliseconds period() const { return period_; }

 private:
  enum class Kind { kManual, kPeriodic, kLive };
  SyncInterval(Kind kind, std::chrono::milliseconds period) : kind_(kind), period_(period) {}
  Kind kind_;
  std::chrono::milliseconds period_;
};

struct OpenOptions {
  std::string path;        // the local database file (local mode, embedded replica)
  std::string url;         // a remote database (remote mode)
  std::string sync_url;    // the primary an embedded replica syncs from
  std::string auth_token;  // a JWT for the server; empty when it needs none
  SyncInterval sync_interval = SyncInterval::Manual();
  // A write through a replica waits until the replica has applied it. Off: the write returns as
  // soon as the primary committed it, and the replica catches up at its next sync.
  bool read_your_writes = true;
  // How long one request to a server may take before it fails (connecting, sending, waiting).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);
};

}  // namespace edgelite
