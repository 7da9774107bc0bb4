// Stored SQL texts with sqld's limits.
#include "hrana/sql_store.h"

#include <fmt/format.h>

namespace edgelite::hrana {

std::optional<Error> SqlStore::Store(int32_t id, std::string sql) {
  if (texts_.contains(id)) {
    return Error{fmt::format("SQL text with id {} is already stored", id), "SQL_STORE_EXISTS"};
  }
  if (texts_.size() >= max_count_) {
    return Error{fmt::format("Tried to store more than {} SQL texts", max_count_),
                 "SQL_STORE_TOO_MANY"};
  }
  if (sql.size() > max_bytes_per_text_) {
    return Error{fmt::format("SQL text of {} bytes is larger than the limit of {} bytes",
                             sql.size(), max_bytes_per_text_),
                 "SQL_STORE_TOO_LARGE"};
  }
  texts_.emplace(id, std::move(sql));
  return std::nullopt;
}

const std::string* SqlStore::Find(int32_t id) const {
  auto found = texts_.find(id);
  return found == texts_.end() ? nullptr : &found->second;
}

}  // namespace edgelite::hrana
