// Exporting and dumping databases.
#include "cli/db/db_transfer_commands.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/db/admin_client.h"
#include "cli/db/db_command_support.h"
#include "cli/db/progress_bar.h"
#include "cli/shell/database_download.h"
#include "cli/shell/database_dump.h"

namespace edgelite::cli {
namespace {

std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted = true; }

// A downloaded file is a database SQLite can read through, not a cut-off stream.
Status CheckSqliteFile(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::string result;
  if (rc == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &statement, nullptr);
    if (rc == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    } else {
      result = sqlite3_errmsg(db);
    }
    sqlite3_finalize(statement);
  } else {
    result = sqlite3_errstr(rc);
  }
  sqlite3_close_v2(db);
  if (result == "ok") return Status::Ok();
  return Status::Io(fmt::format("the downloaded file is not a sound SQLite database ({}); retry",
                                result));
}

Status Export(const GlobalOptions& global, const std::string& name, const std::string& output) {
  std::filesystem::path target(output);
  std::error_code exists_error;
  if (std::filesystem::exists(target, exists_error)) {
    return Status::InvalidArgument(fmt::format("{} exists already; choose another --output or remove it", output));
  }
  // The expected size, for the progress bar; also tells a missing database before the download.
  AdminClient admin(global);
  auto stats = admin.Stats(name);
  if (!stats.ok()) return stats.status();
  auto remote = RemoteTarget(global, name);
  if (!remote.ok()) return remote.status();

  // Ctrl-C from here on ends the download and removes what it wrote.
  interrupted = false;
  auto previous = std::signal(SIGINT, OnInterrupt);
  std::filesystem::path partial = target;
  partial += ".part";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::signal(SIGINT, previous);
    return Status::Io(fmt::format("cannot write {}: {}", partial.string(), std::strerror(errno)));
  }
  std::unique_ptr<ProgressBar> progress;
  if (isatty(STDERR_FILENO)) {
    progress = std::make_unique<ProgressBar>(std::cerr, Number(*stats, "storage_bytes_used"));
  }
  uint64_t received = 0;
  Status downloaded = shell::DownloadFromDatabase(
      *remote, "/export",
      [&](std::string_view piece) {
        out.write(piece.data(), std::streamsize(piece.size()));
        received += piece.size();
        if (progress) progress->Update(received);
        return !interrupted && bool(out);
      },
      &interrupted);
  std::signal(SIGINT, previous);
  out.close();
  Status outcome;
  if (interrupted) {
    outcome = Status::Unavailable("the export was interrupted; nothing was written");
  } else if (!downloaded.ok()) {
    outcome = Status(downloaded.kind(), shell::ExplainTargetFailure(downloaded, *remote));
  } else if (!out) {
    outcome = Status::Io(fmt::format("cannot write {}: {}", partial.string(), std::strerror(errno)));
  } else {
    outcome = CheckSqliteFile(partial);
  }
  if (!outcome.ok()) {
    if (progress) std::cerr << "\n";
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return outcome;
  }
  if (progress) progress->Finish(received);
  std::error_code renamed;
  std::filesystem::rename(partial, target, renamed);
  if (renamed) {
    std::filesystem::remove(partial, renamed);
    return Status::Io(fmt::format("cannot move the export into {}", output));
  }
  return Status::Ok();
}

}  // namespace

void AddDbTransferCommands(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  struct ExportOptions {
    std::string name, output;
  };
  auto export_options = std::make_shared<ExportOptions>();
  CLI::App* export_command = db.add_subcommand(
      "export", "Download a database as a plain SQLite file, consistent at one commit");
  export_command->add_option("name", export_options->name, "The database")->required();
  export_command->add_option("-o,--output", export_options->output, "The file to write")->required();
  export_command->callback([&global, &exit_code, export_options] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      Status exported = Export(resolved, export_options->name, export_options->output);
      if (!exported.ok()) return exported;
      std::cerr << "Exported " << export_options->name << " to " << export_options->output << "\n";
      return Status::Ok();
    });
  });

  auto dump_name = std::make_shared<std::string>();
  CLI::App* dump_command =
      db.add_subcommand("dump", "Print the SQL text that rebuilds a database (its /dump)");
  dump_command->add_option("name", *dump_name, "The database")->required();
  dump_command->callback([&global, &exit_code, dump_name] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      auto remote = RemoteTarget(resolved, *dump_name);
      if (!remote.ok()) return remote.status();
      Status dumped = shell::DumpDatabase(*remote, std::cout);
      if (dumped.ok()) return dumped;
      return Status(dumped.kind(), shell::ExplainTargetFailure(dumped, *remote));
    });
  });
}

}  // namespace edgelite::cli
