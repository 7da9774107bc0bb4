// Chunked, transactional SQL import.
#include "cli/db/sql_import.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/shell/database_dump.h"
#include "cli/shell/statement_splitter.h"

namespace edgelite::cli {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

// The statement's words, upper-cased, without blanks and the final `;`: "BEGIN TRANSACTION".
std::string Normalized(std::string_view sql) {
  std::string words;
  for (char c : sql) {
    if (c == ';') break;
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!words.empty() && words.back() != ' ') words += ' ';
    } else {
      words += char(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  while (!words.empty() && words.back() == ' ') words.pop_back();
  return words;
}

bool IsTransactionControl(std::string_view sql) {
  std::string words = Normalized(sql);
  return words == "BEGIN" || words == "BEGIN TRANSACTION" || words == "COMMIT" ||
         words == "COMMIT TRANSACTION" || words == "END" || words == "END TRANSACTION";
}

}  // namespace

Status ImportSql(Connection& connection, std::istream& sql, std::string_view source) {
  if (auto begun = connection.Execute("BEGIN"); !begun.ok()) return begun.status();
  std::string chunk;
  int chunk_line = 0;
  auto flush = [&]() -> Status {
    if (chunk.empty()) return Status::Ok();
    Status run = connection.ExecuteScript(chunk);
    chunk.clear();
    if (run.ok()) return run;
    (void)connection.Execute("ROLLBACK");
    return Status(run.kind(), fmt::format("{}: a statement from line {} on failed, nothing was "
                                          "imported: {}",
                                          source, chunk_line, run.message()));
  };
  auto add = [&](const shell::SqlStatement& statement) -> Status {
    if (IsTransactionControl(statement.text)) return Status::Ok();
    if (chunk.empty()) chunk_line = statement.first_line;
    chunk += statement.text;
    chunk += '\n';
    return chunk.size() >= kChunkBytes ? flush() : Status::Ok();
  };
  shell::StatementSplitter splitter;
  std::string line;
  for (int number = 1; std::getline(sql, line); ++number) {
    for (const shell::SqlStatement& statement : splitter.AddLine(line, number)) {
      if (Status added = add(statement); !added.ok()) return added;
    }
  }
  if (std::optional<shell::SqlStatement> last = splitter.Finish()) {
    if (Status added = add(*last); !added.ok()) return added;
  }
  if (Status flushed = flush(); !flushed.ok()) return flushed;
  if (auto committed = connection.Execute("COMMIT"); !committed.ok()) {
    return Status(committed.status().kind(),
                  fmt::format("{}: the import's commit failed, nothing was imported: {}", source,
                              committed.status().message()));
  }
  return Status::Ok();
}

Result<std::unique_ptr<std::istream>> SqlOfFile(const std::string& file) {
  auto in = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*in) return Status::NotFound(fmt::format("cannot open {}: {}", file, std::strerror(errno)));
  constexpr std::string_view kSqliteHeader("SQLite format 3\0", 16);
  std::string header(kSqliteHeader.size(), '\0');
  in->read(header.data(), std::streamsize(header.size()));
  if (size_t(in->gcount()) != header.size() || header != kSqliteHeader) {
    in->clear();
    in->seekg(0);
    return std::unique_ptr<std::istream>(std::move(in));
  }
  in.reset();
  shell::ShellTarget local;
  local.kind = shell::TargetKind::kLocalFile;
  local.path = file;
  // The dump goes through a temporary file, removed at once (open, it lives until it is closed),
  // so that a large database costs disk, not memory.
  std::string scratch = (std::filesystem::temp_directory_path() / "edgelite-import-XXXXXX").string();
  int fd = ::mkstemp(scratch.data());
  if (fd < 0) {
    return Status::Io(fmt::format("cannot create a temporary file for the dump of {}: {}", file,
                                  std::strerror(errno)));
  }
  ::close(fd);
  auto sql = std::make_unique<std::ifstream>();
  {
    std::ofstream out(scratch, std::ios::binary | std::ios::trunc);
    Status dumped = shell::DumpDatabase(local, out);
    out.close();
    if (dumped.ok() && !out) dumped = Status::Io("cannot write the dump to " + scratch);
    if (dumped.ok()) sql->open(scratch, std::ios::binary);
    std::filesystem::remove(scratch);
    if (!dumped.ok()) {
      return Status(dumped.kind(), fmt::format("cannot read the SQLite file {}: {}", file,
                                               dumped.message()));
    }
  }
  if (!*sql) return Status::Io("cannot read back the dump of " + file);
  return std::unique_ptr<std::istream>(std::move(sql));
}

}  // namespace edgelite::cli
