// ServerConfig: everything `edgelite serve` can be told, from flags or the SQLD_* environment
// variables (named as sqld's where the feature is the same).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "server/auth/authenticator.h"
#include "sqlite/connection.h"

namespace edgelite::server {

struct ServerConfig {
  std::filesystem::path db_path = "data.sqld";
  std::string http_listen_addr = "127.0.0.1:8080";
  // sqld's legacy WebSocket-only Hrana listener (--hrana-listen-addr); none when unset.
  std::optional<std::string> hrana_listen_addr;
  // The admin API (sqld's --admin-listen-addr); none when unset.
  std::optional<std::string> admin_listen_addr;
  std::optional<std::string> http_self_url;  // becomes the Hrana `base_url`
  sqlite::Durability durability = sqlite::Durability::kRelaxed;
  auth::AuthConfig auth;
  size_t max_response_size = 10 * 1024 * 1024;
  size_t max_request_size = 32 * 1024 * 1024;
  size_t max_concurrent_connections = 20'000;
  std::chrono::milliseconds stream_idle_timeout{10'000};
  int io_threads = 0;  // 0: one per core, at least two
  bool no_welcome = false;
};

}  // namespace edgelite::server
