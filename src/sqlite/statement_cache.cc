// LRU cache of prepared statements keyed by SQL text.
#include "sqlite/statement_cache.h"

namespace edgelite::sqlite {

std::unique_ptr<Statement> StatementCache::Take(std::string_view sql) {
  auto found = index_.find(sql);
  if (found == index_.end() || !found->second->statement) return nullptr;
  entries_.splice(entries_.begin(), entries_, found->second);
  return std::move(found->second->statement);
}

void StatementCache::Put(std::string_view sql, std::unique_ptr<Statement> statement) {
  if (capacity_ == 0) return;
  if (auto found = index_.find(sql); found != index_.end()) {
    // Back from a loan; or the same text was prepared twice at once, and the newer copy is kept.
    found->second->statement = std::move(statement);
    return;
  }
  entries_.push_front(Entry{std::string(sql), std::move(statement)});
  index_.emplace(entries_.front().sql, entries_.begin());
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
