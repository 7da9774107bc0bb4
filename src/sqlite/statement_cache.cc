// LRU cache of prepared statements keyed by SQL text.
#include "sqlite/statement_cache.h"

namespace edgelite::sqlite {

std::unique_ptr<Statement> StatementCache::Take(std::string_view sql) {
  auto found = index_.find(sql);
  if (found == index_.end()) return nullptr;
  auto entry = found->second;
  std::unique_ptr<Statement> statement = std::move(entry->statement);
  index_.erase(found);
  entries_.erase(entry);
  return statement;
}

void StatementCache::Put(std::string sql, std::unique_ptr<Statement> statement) {
  if (capacity_ == 0) return;
  if (auto found = index_.find(sql); found != index_.end()) {
    // The same text was prepared twice at once; keep the newer copy.
    entries_.erase(found->second);
    index_.erase(found);
  }
  entries_.push_front(Entry{sql, std::move(statement)});
  index_.emplace(std::move(sql), entries_.begin());
  while (entries_.size() > capacity_) {
    index_.erase(entries_.back().sql);
    entries_.pop_back();
  }
}

void StatementCache::Clear() {
  index_.clear();
  entries_.clear();
}

}  // namespace edgelite::sqlite
