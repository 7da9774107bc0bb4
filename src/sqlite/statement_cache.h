// StatementCache: prepared statements of one connection kept by SQL text, least recently used
// evicted first. Preparing a one-line SELECT costs about as much as running it (~2 µs), so every
// statement a client sends is looked up here before it is prepared.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sqlite/statement.h"

namespace edgelite::sqlite {

class StatementCache {
 public:
  explicit StatementCache(size_t capacity) : capacity_(capacity) {}

  // Lends out the statement cached for `sql`, or returns nullptr. The caller gives it back with
  // Put() when done, so a statement is never used twice at once. The entry stays in place (now the
  // most recently used) while the statement is out, so that a lookup and its return allocate
  // nothing.
  std::unique_ptr<Statement> Take(std::string_view sql);
  // Caches a reset statement under `sql`, evicting the least recently used entry when full.
  void Put(std::string_view sql, std::unique_ptr<Statement> statement);
  void Clear();

 private:
  struct Entry {
    std::string sql;
    std::unique_ptr<Statement> statement;  // null while lent out
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
  // Keys view the entries' own text.
  std::unordered_map<std::string_view, std::list<Entry>::iterator, Hash, std::equal_to<>> index_;
};

}  // namespace edgelite::sqlite
