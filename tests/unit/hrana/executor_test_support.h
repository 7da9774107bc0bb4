// The connections the executor tests run statements on, opened as the server opens its own over
// one database: a shared read-write connection (as the writer), a shared query_only one (as a
// pooled reader), and a stream's own connection.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "sqlite/connection.h"
#include "unit/temp_directory.h"

namespace edgelite::test {

class ExecutorConnections : public ::testing::Test {
 protected:
  // Creates the database with `schema` and opens the three connections.
  void OpenConnections(const char* schema) {
    shared_ = Open(/*query_only=*/false, /*takes_client_state=*/false, /*create=*/true);
    ASSERT_TRUE(shared_);
    ASSERT_TRUE(shared_->Exec(schema).ok());
    reader_ = Open(/*query_only=*/true, /*takes_client_state=*/false);
    own_ = Open(/*query_only=*/false, /*takes_client_state=*/true);
    ASSERT_TRUE(reader_ && own_);
  }

  std::unique_ptr<sqlite::Connection> Open(bool query_only, bool takes_client_state,
                                           bool create = false) {
    sqlite::ConnectionOptions options;
    options.path = (directory_ / "data").string();
    options.create = create;
    options.query_only = query_only;
    options.takes_client_state = takes_client_state;
    options.busy_timeout_ms = 0;
    auto connection = sqlite::Connection::Open(options);
    EXPECT_TRUE(connection.ok()) << connection.status().message();
    return connection.ok() ? std::move(connection).value() : nullptr;
  }

  TempDirectory directory_;
  std::unique_ptr<sqlite::Connection> shared_;  // read-write, as the server's writer
  std::unique_ptr<sqlite::Connection> reader_;  // query_only, as a pooled reader
  std::unique_ptr<sqlite::Connection> own_;     // a stream's own connection
};

}  // namespace edgelite::test
