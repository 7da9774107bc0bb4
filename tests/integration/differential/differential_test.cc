// A randomized differential test of edgelite's promise that every request behaves as if it ran
// alone, as on sqld, where each stream owns a SQLite connection. Many concurrent clients drive
// Hrana streams over HTTP and WebSocket with a seeded random workload (workload.h) while the
// server runs with --execution-trace, which makes it execute one request at a time and report the
// order. Afterwards the same requests are replayed in that order on plain SQLite with one
// connection per stream (reference.h), and every answer must match (comparison.h). A difference
// fails the test with the seed and a minimal trace: the requests of the streams involved, up to
// the diverging one, with both answers.
//
// Environment (scripts/differential.sh sets them): DIFFERENTIAL_SEED (default 1),
// DIFFERENTIAL_SECONDS (workload time, default 25), DIFFERENTIAL_CLIENTS (default 12),
// DIFFERENTIAL_REQUESTS (per client, default unlimited), DIFFERENTIAL_DISABLE (features to
// leave out, e.g. "temp,ddl"; see Features), DIFFERENTIAL_REQUEST_TIMEOUT_MS (default 30000),
// DIFFERENTIAL_MINIMIZE_SECONDS (default 20), DIFFERENTIAL_KEEP=1 (keep the run's directory:
// the trace, the reference database, the full replay log).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "integration/differential/client.h"
#include "integration/differential/replay.h"
#include "integration/server_process.h"

namespace edgelite::differential {
namespace {

struct Config {
  uint64_t seed = 1;
  double seconds = 25;
  int clients = 12;
  size_t requests_per_client = SIZE_MAX;
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::seconds minimize_budget{20};
  Features features;
  bool keep = false;
};

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string ReadConfig(Config& config) {
  try {
    if (auto text = Environment("DIFFERENTIAL_SEED"); !text.empty())
      config.seed = std::stoull(text);
    if (auto text = Environment("DIFFERENTIAL_SECONDS"); !text.empty())
      config.seconds = std::stod(text);
    if (auto text = Environment("DIFFERENTIAL_CLIENTS"); !text.empty())
      config.clients = std::stoi(text);
    if (auto text = Environment("DIFFERENTIAL_REQUESTS"); !text.empty()) {
      config.requests_per_client = std::stoull(text);
    }
    if (auto text = Environment("DIFFERENTIAL_REQUEST_TIMEOUT_MS"); !text.empty()) {
      config.request_timeout = std::chrono::milliseconds(std::stoll(text));
    }
    if (auto text = Environment("DIFFERENTIAL_MINIMIZE_SECONDS"); !text.empty()) {
      config.minimize_budget = std::chrono::seconds(std::stoll(text));
    }
  } catch (const std::exception& error) {
    return std::string("a DIFFERENTIAL_* variable is not a number: ") + error.what();
  }
  config.keep = Environment("DIFFERENTIAL_KEEP") == "1";
  if (config.clients < 1) return "DIFFERENTIAL_CLIENTS must be at least 1";
  return Features::Disable(config.features, Environment("DIFFERENTIAL_DISABLE"));
}

std::string ServerBinary() {
  std::string binary = Environment("EDGELITE_BIN");
  return binary.empty() ? EDGELITE_BINARY : binary;
}

// Whether this server build has --execution-trace (without it, only one client can run, since
// only then is the order the requests were sent in the order they ran in).
bool ServerHasExecutionTrace() {
  std::string command = "'" + ServerBinary() + "' serve --help 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return false;
  std::string help;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) help.append(buffer, got);
  ::pclose(pipe);
  return help.find("--execution-trace") != std::string::npos;
}

std::filesystem::path MakeWorkDirectory() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && *base ? base : "/tmp") + "/edgelite-differential-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

TEST(DifferentialTest, EveryRequestBehavesAsIfItRanAlone) {
  Config config;
  std::string problem = ReadConfig(config);
  ASSERT_TRUE(problem.empty()) << problem;
  bool traced = ServerHasExecutionTrace();
  int clients = traced ? config.clients : 1;
  if (!traced) {
    std::cout << "differential: this server has no --execution-trace; running one client, whose "
                 "send order is the serial order\n";
  }
  std::filesystem::path work = MakeWorkDirectory();
  ASSERT_FALSE(work.empty()) << "mkdtemp failed";
  std::filesystem::path trace_path = work / "trace.jsonl";
  std::vector<std::string> args;
  if (traced) args = {"--execution-trace", trace_path.string()};
  auto started = integration::ServerProcess::Start(args);
  ASSERT_TRUE(started.ok()) << started.status().message();
  std::unique_ptr<integration::ServerProcess> server = std::move(*started);

  std::string disabled = Environment("DIFFERENTIAL_DISABLE");
  std::string rerun = fmt::format(
      "seed {} ({} clients); rerun: scripts/differential.sh --seed {} --clients {} --seconds "
      "{}{}{}",
      config.seed, clients, config.seed, clients, config.seconds,
      disabled.empty() ? "" : " --disable " + disabled,
      clients > 1 ? " (with several clients the interleaving, and so the run, differs each time)"
                  : "");
  ClientResult setup = RunSetup(server->port(), config.request_timeout);
  ASSERT_FALSE(setup.failure) << *setup.failure;

  auto began = Clock::now();
  std::atomic<bool> stop{false};
  std::vector<ClientResult> results(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  for (int client = 0; client < clients; ++client) {
    ClientOptions options;
    options.port = server->port();
    options.seed = config.seed;
    options.client = client;
    options.features = config.features;
    options.stop_at = began + std::chrono::milliseconds(int64_t(config.seconds * 1000));
    options.max_requests = config.requests_per_client;
    options.request_timeout = config.request_timeout;
    options.stop = &stop;
    threads.emplace_back(
        [&results, client, options] { results[size_t(client)] = RunClient(options); });
  }
  for (std::thread& thread : threads) thread.join();
  double workload_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  std::string server_log_tail = server->ReadLog();
  if (server_log_tail.size() > 4000)
    server_log_tail = server_log_tail.substr(server_log_tail.size() - 4000);
  std::string ending = server->Stop();
  EXPECT_EQ(ending, "exited with status 0") << "the server's log ends:\n" << server_log_tail;

  std::vector<Record> records = std::move(setup.records);
  std::set<std::string> streams;
  for (ClientResult& result : results) {
    for (Record& record : result.records) {
      streams.insert(record.stream);
      records.push_back(std::move(record));
    }
  }
  for (size_t client = 0; client < results.size(); ++client) {
    if (results[client].failure) {
      ADD_FAILURE() << "client " << client << " could not go on (" << rerun << "):\n  "
                    << *results[client].failure << "\nthe server's log ends:\n"
                    << server_log_tail;
    }
  }

  std::vector<TraceEntry> trace;
  if (traced) {
    auto read = ReadTrace(trace_path);
    ASSERT_TRUE(read.ok()) << read.status().message();
    trace = std::move(*read);
  }
  Schedule schedule = MakeSchedule(records, traced ? &trace : nullptr);
  auto replay_began = Clock::now();
  CompareOptions compare;
  compare.stale_rowid = config.features.stale_rowid;
  auto report = Replay(records, schedule, work / "reference", work / "replay.log", compare);
  ASSERT_TRUE(report.ok()) << report.status().message();
  double replay_seconds = std::chrono::duration<double>(Clock::now() - replay_began).count();
  std::cout << fmt::format(
      "differential: seed {}, {} clients, {} requests on {} streams in {:.1f} s; {} replayed on "
      "SQLite in {:.1f} s\n",
      config.seed, clients, records.size(), streams.size(), workload_seconds, report->replayed,
      replay_seconds);
  for (size_t i = 0; i < schedule.warnings.size() && i < 20; ++i) {
    std::cout << "differential: trace warning: " << schedule.warnings[i] << "\n";
  }
  if (schedule.warnings.size() > 20) {
    std::cout << "differential: ... " << schedule.warnings.size() << " trace warnings in all\n";
  }

  bool keep = config.keep;
  if (report->divergence) {
    keep = true;
    const Divergence& divergence = *report->divergence;
    bool complete = false;
    std::set<std::string> involved =
        MinimizeStreams(records, schedule, divergence, work / "minimize", config.minimize_budget,
                        compare, &complete);
    std::string others;
    size_t listed = 0;
    for (const std::string& stream : involved) {
      if (++listed > 40) {
        others += fmt::format(" ... ({} in all)", involved.size());
        break;
      }
      others += " " + stream;
    }
    std::string message = fmt::format(
        "edgelite and SQLite differ at request {} of stream {}: {}\n{}\nother streams needed to "
        "reproduce it:{}{}\ntrace (serial order, '#N' the server's execution position; the other "
        "streams' reads left out; SQLite's answer is the full replay's):\n"
        "{}the full replay log: {}\n",
        records[divergence.record].request.marker, records[divergence.record].stream,
        divergence.difference, rerun, others.empty() ? " none" : others,
        complete ? "" : " (minimization ran out of time)",
        FormatTrace(records, schedule, divergence, involved), (work / "replay.log").string());
    std::ofstream(work / "difference.txt") << message;
    ADD_FAILURE() << message;
  }
  if (::testing::Test::HasFailure()) keep = true;
  if (keep) {
    std::cout << "differential: the run's files are in " << work.string() << "\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(work, ignored);
  }
}

}  // namespace
}  // namespace edgelite::differential
