// The worst-client soak (issue 10): well-behaved clients keep a steady load of reads, inserts and
// small transactions over HTTP and WebSocket and record their latency, while hostile clients
// (hostile_clients.h) come and go for a while. It passes when the well-behaved clients were served
// throughout: none of their requests failed and every row they were told was stored is there;
// reads stayed fast (p99), and writes waited no longer than an idle hostile transaction may make
// them wait; the server's memory stayed bounded while the hostiles were there and came back near
// its start after they left; and no core stays busy once they are gone.
//
// The server runs with one I/O thread, so that anything that stalls it shows in every latency.
// Environment: EDGELITE_SOAK_SECONDS (how long hostiles come and go; default 40, so the test takes
// about a minute), EDGELITE_SOAK_SEED (their random choices; default 1), EDGELITE_SOAK_ONLY (a
// comma-separated list of the misbehaviours to choose from, to find which one hurts; default all).
// scripts/worst_client_soak.sh runs it for longer. A failure shows, by time of day as in the
// server's log, what the hostiles were doing at the moment.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "integration/server_test.h"
#include "integration/worst_client/hostile_clients.h"
#include "integration/worst_client/well_behaved_clients.h"

namespace edgelite::integration::worst_client {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kHttpClients = 3;
constexpr int kWebSocketClients = 2;
constexpr int kHostileThreads = 3;

// The bounds. Reads never wait for a lock (WAL). Writes may wait behind an idle hostile
// transaction until its timeout (5 s) rolls it back, and behind a runaway write until the server
// sees that its client has gone; never behind two of them, as hostiles take turns to hold the
// lock (hostile_clients.h).
constexpr auto kReadP99 = milliseconds(1000);
constexpr auto kWriteMax = milliseconds(8000);
constexpr uint64_t kMB = 1024 * 1024;
constexpr uint64_t kPeakMemoryMargin = 150 * kMB;
constexpr uint64_t kSettledMemoryMargin = 50 * kMB;
// Abandoned HTTP streams keep their connections until they expire (10 s idle).
constexpr auto kSettleTimeout = seconds(15);
constexpr double kIdleCpuShare = 0.20;  // of one core
constexpr auto kIdleCpuWindow = seconds(2);

// The misbehaviours that EDGELITE_SOAK_ONLY names, or all of them.
std::vector<std::string> ChosenMisbehaviours() {
  const char* only = std::getenv("EDGELITE_SOAK_ONLY");
  if (!only || !*only) return HostileClients::Misbehaviours();
  std::vector<std::string> names;
  std::string list = only;
  for (size_t at = 0; at <= list.size();) {
    size_t comma = std::min(list.find(',', at), list.size());
    names.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return names;
}

int EnvOr(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoi(value) : fallback;
}

double Megabytes(uint64_t bytes) {
  return double(bytes) / double(kMB);
}

// Samples the server's resident memory in the background and keeps the highest figure, and when
// it first passed `limit` (what was going on then caused the growth; a later peak may only be the
// allocator keeping what it got). Read the figures after Stop().
class PeakMemory {
 public:
  PeakMemory(const ServerProcess& server, uint64_t limit)
      : thread_([this, &server, limit] {
          while (!stopping_) {
            peak_ = std::max(peak_, server.ResidentBytes());
            if (peak_ >= limit && !passed_limit_at_) passed_limit_at_ = Clock::now();
            std::this_thread::sleep_for(milliseconds(100));
          }
        }) {}
  ~PeakMemory() { Stop(); }
  void Stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t peak() const { return peak_; }
  std::optional<Clock::time_point> passed_limit_at() const { return passed_limit_at_; }

 private:
  std::atomic<bool> stopping_{false};
  uint64_t peak_ = 0;
  std::optional<Clock::time_point> passed_limit_at_;
  std::thread thread_;
};

// `at` as the time of day, as the server's log shows it: 03:59:03.188.
std::string TimeOfDay(Clock::time_point at) {
  auto wall = std::chrono::system_clock::now() -
              std::chrono::duration_cast<std::chrono::system_clock::duration>(Clock::now() - at);
  time_t seconds_since_epoch = std::chrono::system_clock::to_time_t(wall);
  tm local{};
  ::localtime_r(&seconds_since_epoch, &local);
  auto millis = std::chrono::duration_cast<milliseconds>(wall.time_since_epoch()).count() % 1000;
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03lld", local.tm_hour, local.tm_min,
                local.tm_sec, (long long)millis);
  return text;
}

// The misbehaviours under way at some moment of the `window` before `at`: what a request that
// failed, or waited, at `at` may have met.
std::string ActsBefore(const std::vector<Act>& timeline, Clock::time_point at,
                       Clock::duration window) {
  std::string acts;
  for (const Act& act : timeline) {
    if (act.start <= at && act.end >= at - window) {
      acts += (acts.empty() ? "" : ", ") + act.name + " " + TimeOfDay(act.start) + "-" +
              TimeOfDay(act.end);
    }
  }
  return acts.empty() ? "none" : acts;
}

// "idle-txn-ws 3, slowloris 4, ..."
std::string Tally(const std::vector<Act>& timeline) {
  std::map<std::string, int> counts;
  for (const Act& act : timeline) ++counts[act.name];
  std::string tally;
  for (const auto& [name, count] : counts) {
    tally += (tally.empty() ? "" : ", ") + name + " " + std::to_string(count);
  }
  return tally;
}

std::string Describe(const char* name, const LatencySummary& summary) {
  char text[160];
  std::snprintf(text, sizeof text, "%s n=%zu p50=%lldms p99=%lldms max=%lldms", name, summary.count,
                (long long)summary.p50.count(), (long long)summary.p99.count(),
                (long long)summary.max.count());
  return text;
}

// The last `count` lines of the server's log, for failures that need to show what the server
// was doing, without the line each slowloris connection leaves ("partial message").
std::string LogTail(const ServerProcess& server, size_t count = 40) {
  std::vector<std::string> lines;
  for (std::string& line : LogLinesSince(server, 0)) {
    if (line.find("partial message") == std::string::npos) lines.push_back(std::move(line));
  }
  std::string tail;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    tail += lines[i] + "\n";
  }
  return tail;
}

TEST(WorstClientTest, WellBehavedClientsAreServedWhileHostileOnesComeAndGo) {
  const auto test_started = Clock::now();
  const seconds hostile_time(EnvOr("EDGELITE_SOAK_SECONDS", 40));
  const auto seed = uint32_t(EnvOr("EDGELITE_SOAK_SEED", 1));
  const std::vector<std::string> misbehaviours = ChosenMisbehaviours();
  for (const std::string& name : misbehaviours) {
    const std::vector<std::string> known = HostileClients::Misbehaviours();
    ASSERT_NE(std::find(known.begin(), known.end(), name), known.end())
        << "EDGELITE_SOAK_ONLY names an unknown misbehaviour: " << name;
  }

  auto started = ServerProcess::Start({"--io-threads", "1"});
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  Status created = WellBehavedClients::CreateTable(server.port());
  ASSERT_TRUE(created.ok()) << created.message();
  created = HostileClients::CreateTable(server.port());
  ASSERT_TRUE(created.ok()) << created.message();

  WellBehavedClients clients(server.port(), kHttpClients, kWebSocketClients);
  // The server's threads, caches and connections grow to their working size first, so that the
  // memory figures compare the hostiles' effect, not the start-up.
  std::this_thread::sleep_for(seconds(2));
  const uint64_t memory_start = server.ResidentBytes();
  PeakMemory peak(server, memory_start + kPeakMemoryMargin);
  HostileClients hostiles(server.port(), misbehaviours, kHostileThreads, seed, hostile_time);
  hostiles.Wait();
  const auto hostiles_gone = Clock::now();
  // A last stretch of the steady load with no hostile left.
  std::this_thread::sleep_for(seconds(2));
  clients.Stop();
  peak.Stop();

  // Nothing is left to do: a second for the last cancellations, then the server must be idle.
  std::this_thread::sleep_for(seconds(1));
  auto cpu_before = server.CpuTime();
  std::this_thread::sleep_for(kIdleCpuWindow);
  double idle_cpu = std::chrono::duration<double>(server.CpuTime() - cpu_before) / kIdleCpuWindow;

  auto settle_deadline = Clock::now() + kSettleTimeout;
  uint64_t memory_settled = server.ResidentBytes();
  while (memory_settled > memory_start + kSettledMemoryMargin && Clock::now() < settle_deadline) {
    std::this_thread::sleep_for(milliseconds(250));
    memory_settled = server.ResidentBytes();
  }

  Result<int64_t> rows = WellBehavedClients::CountRows(server.port());
  std::vector<Failure> failures = clients.Failures();
  std::vector<Act> timeline = hostiles.Timeline();
  LatencySummary reads = clients.Summary(Operation::kRead);
  LatencySummary inserts = clients.Summary(Operation::kInsert);
  LatencySummary transactions = clients.Summary(Operation::kTransaction);

  char figures[256];
  std::snprintf(
      figures, sizeof figures,
      "memory start=%.1fMB peak=%.1fMB settled=%.1fMB | idle cpu %.1f%% of a core | "
      "%zu failures | test %llds",
      Megabytes(memory_start), Megabytes(peak.peak()), Megabytes(memory_settled), idle_cpu * 100,
      failures.size(),
      (long long)std::chrono::duration_cast<seconds>(Clock::now() - test_started).count());
  std::string summary = "worst-client soak, " + std::to_string(hostile_time.count()) +
                        " s of hostiles, seed " + std::to_string(seed) + ": " +
                        Describe("read", reads) + " | " + Describe("insert", inserts) + " | " +
                        Describe("transaction", transactions) + " | " + figures +
                        "\n  hostiles: " + Tally(timeline);
  std::printf("%s\n", summary.c_str());
  RecordProperty("summary", summary);

  std::string failure_list;
  for (size_t i = 0; i < failures.size() && i < 10; ++i) {
    failure_list += "\n  " + TimeOfDay(failures[i].at) + " " + failures[i].what +
                    "\n    hostiles then: " + ActsBefore(timeline, failures[i].at, kWriteMax);
  }
  EXPECT_TRUE(failures.empty()) << failures.size()
                                << " well-behaved requests failed, first:" << failure_list;
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  if (failures.empty()) {
    EXPECT_EQ(*rows, clients.RowsAcknowledged()) << "rows stored vs. acknowledged";
  }
  EXPECT_GT(reads.count, 0u);
  EXPECT_GT(transactions.count, 0u);
  EXPECT_LT(reads.p99, kReadP99) << Describe("read", reads);
  EXPECT_LT(inserts.max, kWriteMax) << Describe("insert", inserts);
  EXPECT_LT(transactions.max, kWriteMax) << Describe("transaction", transactions);
  EXPECT_LT(peak.peak(), memory_start + kPeakMemoryMargin)
      << "the server's memory grew by " << Megabytes(peak.peak() - memory_start)
      << " MB while hostiles were there; it passed the bound at "
      << TimeOfDay(peak.passed_limit_at().value_or(Clock::now())) << ", after: "
      << ActsBefore(timeline, peak.passed_limit_at().value_or(Clock::now()), seconds(3));
  EXPECT_LT(memory_settled, memory_start + kSettledMemoryMargin)
      << "the server's memory was still " << Megabytes(memory_settled - memory_start)
      << " MB above its start "
      << std::chrono::duration_cast<seconds>(Clock::now() - hostiles_gone).count()
      << " s after the hostiles left";
  EXPECT_LT(idle_cpu, kIdleCpuShare) << "the server kept a core busy after the clients left";
  for (const std::string& stall : hostiles.Unanswered()) {
    ADD_FAILURE() << "odd SQL was not answered in time: " << stall;
  }

  ExpectServerServes(server);
  EXPECT_EQ(server.Stop(seconds(5)), "exited with status 0");
  if (HasFailure()) std::printf("the end of the server's log:\n%s\n", LogTail(server).c_str());
}

}  // namespace
}  // namespace edgelite::integration::worst_client
