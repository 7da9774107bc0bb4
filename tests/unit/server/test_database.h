// A database with the default options for one test, in a temporary directory removed after it.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <latch>
#include <memory>

#include "server/database.h"
#include "server/writer.h"
#include "unit/temp_directory.h"

namespace edgelite::test {

class TestDatabase {
 public:
  TestDatabase() {
    server::DatabaseOptions options;
    options.directory = directory_.path();
    auto opened = server::Database::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (opened.ok()) database_ = std::move(opened).value();
  }

  server::Database* get() const { return database_.get(); }
  // What streams and requests hold.
  const std::shared_ptr<server::Database>& shared() const { return database_; }
  server::Database* operator->() const { return database_.get(); }
  server::Database& operator*() const { return *database_; }
  // Closes the database early, once what uses it has stopped; the directory goes at destruction.
  // Its threads stop first: a stream that outlives this handle must not end the database on one
  // of the database's own threads.
  void Close() {
    if (database_) database_->Stop();
    database_.reset();
  }

 private:
  TempDirectory directory_;  // declared first, so removed after the database is closed
  std::shared_ptr<server::Database> database_;
};

// Keeps the database's writer thread busy until the returned latch counts down, so that writes
// submitted meanwhile queue up.
inline std::shared_ptr<std::latch> BlockWriter(server::Database& database) {
  auto gate = std::make_shared<std::latch>(1);
  auto started = std::make_shared<std::promise<void>>();
  server::WriteJob job;
  job.run = [gate, started](sqlite::Connection&, hrana::Placement) {
    started->set_value();
    gate->wait();
    return hrana::RequestOutcome(
        hrana::StreamResult(hrana::StreamResponse(hrana::CloseResponse{})));
  };
  job.done = [](hrana::RequestOutcome) {};
  database.writer().Submit(std::move(job));
  started->get_future().wait();
  return gate;
}

}  // namespace edgelite::test
