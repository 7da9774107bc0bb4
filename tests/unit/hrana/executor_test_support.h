// The connections the executor tests run statements on, opened as the server opens its own: the
// writer and pooled readers (shared by every client), and a stream's own connection.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "sqlite/connection.h"

namespace edgelite::test {

inline std::unique_ptr<sqlite::Connection> OpenConnection(const std::filesystem::path& file,
                                                          bool query_only,
                                                          bool takes_client_state,
                                                          bool create = false) {
  sqlite::ConnectionOptions options;
  options.path = file.string();
  options.create = create;
  options.query_only = query_only;
  options.takes_client_state = takes_client_state;
  options.busy_timeout_ms = 0;
  auto connection = sqlite::Connection::Open(options);
  EXPECT_TRUE(connection.ok()) << connection.status().message();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

}  // namespace edgelite::test
