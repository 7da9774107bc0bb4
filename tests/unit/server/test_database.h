// A database with the default options for one test, in a temporary directory removed after it.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "server/database.h"
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
  server::Database* operator->() const { return database_.get(); }
  server::Database& operator*() const { return *database_; }
  // Closes the database early, once what uses it has stopped; the directory goes at destruction.
  void Close() { database_.reset(); }

 private:
  TempDirectory directory_;  // declared first, so removed after the database is closed
  std::unique_ptr<server::Database> database_;
};

}  // namespace edgelite::test
