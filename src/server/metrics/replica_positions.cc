// Keeping the replicas' last positions and the lag of the furthest behind.
#include "server/metrics/replica_positions.h"

#include <algorithm>

namespace edgelite::server {
namespace {

constexpr std::chrono::seconds kForgetAfter{60};
constexpr size_t kMaxReplicas = 1024;

}  // namespace

void ReplicaPositions::Record(const std::string& replica, uint64_t next_offset) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto found = positions_.find(replica);
  if (found != positions_.end()) {
    found->second = Position{next_offset, now};
    return;
  }
  if (positions_.size() >= kMaxReplicas) {
    ForgetStaleLocked(now);
    if (positions_.size() >= kMaxReplicas) {
      positions_.erase(std::min_element(positions_.begin(), positions_.end(),
                                        [](const auto& a, const auto& b) {
                                          return a.second.seen < b.second.seen;
                                        }));
    }
  }
  positions_.emplace(replica, Position{next_offset, now});
}

ReplicationLag ReplicaPositions::Lag(uint64_t log_next_frame_no) {
  std::lock_guard lock(mutex_);
  ForgetStaleLocked(std::chrono::steady_clock::now());
  ReplicationLag lag;
  lag.replicas = positions_.size();
  for (const auto& [replica, position] : positions_) {
    if (position.next_offset < log_next_frame_no) {
      lag.lag_frames = std::max(lag.lag_frames, log_next_frame_no - position.next_offset);
    }
  }
  return lag;
}

void ReplicaPositions::ForgetStaleLocked(std::chrono::steady_clock::time_point now) {
  std::erase_if(positions_, [now](const auto& entry) {
    return now - entry.second.seen > kForgetAfter;
  });
}

}  // namespace edgelite::server
