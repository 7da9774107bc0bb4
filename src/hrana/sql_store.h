// SqlStore: the SQL texts a client stored with `store_sql` for later use by id. Scoped to an HTTP
// stream (50 texts of at most 5 KB, as sqld) or a WebSocket connection (150 texts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "hrana/model.h"

namespace edgelite::hrana {

class SqlStore {
 public:
  SqlStore(size_t max_count, size_t max_bytes_per_text)
      : max_count_(max_count), max_bytes_per_text_(max_bytes_per_text) {}

  // Returns the error for the client when a limit is hit or the id is taken.
  std::optional<Error> Store(int32_t id, std::string sql);
  void Close(int32_t id) { texts_.erase(id); }
  const std::string* Find(int32_t id) const;
  bool empty() const { return texts_.empty(); }

 private:
  size_t max_count_;
  size_t max_bytes_per_text_;
  std::unordered_map<int32_t, std::string> texts_;
};

}  // namespace edgelite::hrana
