// ReplicaPositions: where each replica of one namespace was when it last pulled, for the metrics'
// replication lag. A replica is known by its session token, else by its address; one that has not
// pulled for a minute no longer counts (it stopped, or went elsewhere). Bounded: the least recently
// seen replica gives way when too many are known. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace edgelite::server {

struct ReplicationLag {
  uint64_t replicas = 0;     // replicas that pulled in the last minute
  uint64_t lag_frames = 0;   // frames the furthest behind of them lacks
};

class ReplicaPositions {
 public:
  // `next_offset`: the first frame the replica does not have (it asked for it, or was just sent
  // everything before it).
  void Record(const std::string& replica, uint64_t next_offset);
  // Against the log whose next frame is `log_next_frame_no`.
  ReplicationLag Lag(uint64_t log_next_frame_no);

 private:
  struct Position {
    uint64_t next_offset = 0;
    std::chrono::steady_clock::time_point seen;
  };
  void ForgetStaleLocked(std::chrono::steady_clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, Position> positions_;
};

}  // namespace edgelite::server
