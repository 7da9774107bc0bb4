// The reference the differential test compares edgelite with: the same requests on plain SQLite,
// through its C API, with sqld's model of a stream — one connection per stream, to one database
// file in WAL mode, each with foreign keys on and double-quoted string literals off. It implements
// Hrana's semantics (batch conditions, result fields) from the protocol document, not from the
// server's code, so that the two can disagree.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "edgelite/status.h"
#include "integration/differential/model.h"

namespace edgelite::differential {

class ReferenceDatabase {
 public:
  // A new database file `directory`/reference.db (any earlier one is removed).
  static Result<std::unique_ptr<ReferenceDatabase>> Create(const std::filesystem::path& directory);
  ReferenceDatabase(const ReferenceDatabase&) = delete;
  ReferenceDatabase& operator=(const ReferenceDatabase&) = delete;
  ~ReferenceDatabase();

  // Runs `request` on `stream`'s connection, opened on first use; kClose closes it, which rolls
  // back whatever transaction it had open.
  Outcome Run(const std::string& stream, const Request& request);

 private:
  explicit ReferenceDatabase(std::filesystem::path file) : file_(std::move(file)) {}
  Result<sqlite3*> ConnectionFor(const std::string& stream);

  std::filesystem::path file_;
  std::map<std::string, sqlite3*> connections_;
};

}  // namespace edgelite::differential
