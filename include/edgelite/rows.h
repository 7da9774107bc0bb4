// Rows and Params: what a statement returns and what it binds. Both are plain values, the same in
// every mode (local file, remote server, embedded replica): a result is read completely before
// the call that produced it returns, so it stays valid whatever the connection does next.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgelite/value.h"

namespace edgelite {

// Parameters for `?`, `?NNN`, `:name`, `@name` and `$name`. Positional values bind in order from
// index 1; a named value binds the parameter of that name, written with or without its prefix
// (`{"id", 1}` binds `:id`, `@id` or `$id`).
struct Params {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;

  Params() = default;
  Params(std::initializer_list<Value> values) : positional(values) {}
  bool empty() const { return positional.empty() && named.empty(); }
};

struct Column {
  std::string name;
  std::optional<std::string> declared_type;  // the column's type in CREATE TABLE, if it has one
};

// The outcome of one statement.
struct Rows {
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;
  uint64_t rows_affected = 0;                // rows an INSERT, UPDATE or DELETE changed
  std::optional<int64_t> last_insert_rowid;  // after an INSERT, the rowid of its last row

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
};

}  // namespace edgelite
