// The hostile side of the worst-client soak: threads that, until a deadline, keep drawing a
// misbehaviour from a shuffled deck (from a fixed seed), acting it out against the server,
// vanishing and coming back: NULs and odd SQL; runaway reads and writes whose client disconnects;
// transactions left idle holding the write lock; WebSocket clients that pipeline large results
// and never read; slowloris heads; streams and cursors opened and abandoned. Every misbehaviour
// ends within seconds, so the hostiles are all gone soon after the deadline.
//
// At most one hostile holds the write lock at a time (idle transactions and runaway writes: one
// thread acts them all out, in turn), and the next takes it only a moment after the last let go.
// The server makes writers wait behind an idle transaction until its timeout (5 s), and holders
// back to back would add their waits up into a bound that tells nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::integration::worst_client {

// One misbehaviour acted out, from the hostile's first byte to its last.
struct Act {
  std::string name;
  std::chrono::steady_clock::time_point start, end;
};

class HostileClients {
 public:
  // Creates the table the hostiles write to (never the well-behaved clients' table).
  static Status CreateTable(uint16_t port);
  // The names of the misbehaviours, e.g. "slowloris", "idle-txn-ws".
  static std::vector<std::string> Misbehaviours();

  // Starts hostile threads against the server at `port`, for `duration`: one for the chosen
  // `misbehaviours` (names from Misbehaviours(); unknown ones are ignored) that hold the write
  // lock, and `threads` for the others.
  HostileClients(uint16_t port, const std::vector<std::string>& misbehaviours, int threads,
                 uint32_t seed, std::chrono::seconds duration);
  ~HostileClients();  // Wait()
  HostileClients(const HostileClients&) = delete;
  HostileClients& operator=(const HostileClients&) = delete;

  // Returns once every hostile has finished its last misbehaviour and closed its connections.
  void Wait();

  // Every misbehaviour acted out so far, in the order they ended.
  std::vector<Act> Timeline() const;
  // Requests that should have been answered promptly whatever they held (odd SQL) but were not.
  std::vector<std::string> Unanswered() const;

 private:
  // Acts out the misbehaviours of `deck` (indexes into their table) until `until`.
  void Run(uint16_t port, std::vector<size_t> deck, uint32_t seed,
           std::chrono::steady_clock::time_point until);

  mutable std::mutex mutex_;
  std::vector<Act> timeline_;
  std::vector<std::string> unanswered_;
  std::vector<std::thread> threads_;
};

}  // namespace edgelite::integration::worst_client
