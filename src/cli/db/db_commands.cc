// The database management commands: each resolves the global options, calls the admin API (and
// the user API through the SDK where content moves), prints a result a script can read, and turns
// every failure into one line saying what was wrong and what to do, with exit code 1.
#include "cli/db/db_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/db/admin_client.h"
#include "cli/db/db_command_support.h"
#include "cli/db/db_transfer_commands.h"
#include "common/byte_size.h"
#include "cli/shell/shell_target.h"
#include "cli/db/sql_import.h"
#include "edgelite/database.h"

namespace edgelite::cli {
namespace json = boost::json;

namespace {

void AddCreate(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string name, from_db, timestamp, from_dump, from_file;
    std::optional<uint64_t> frame;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = db.add_subcommand(
      "create", "Create a database: empty, a branch of another, or loaded from a dump or a SQLite file");
  command->add_option("name", options->name, "Name of the new database")->required();
  CLI::Option* from_db = command->add_option(
      "--from-db", options->from_db,
      "Branch this database: the new one has its content as of its newest commit (or --timestamp "
      "/ --frame) and is independent from then on");
  CLI::Option* timestamp =
      command
          ->add_option("--timestamp", options->timestamp,
                       "With --from-db: as of the last commit at or before this UTC time "
                       "(2024-01-01T00:00:00, or Unix milliseconds)")
          ->needs(from_db);
  command
      ->add_option("--frame", options->frame,
                   "With --from-db: as of the last commit at or before this frame number")
      ->needs(from_db)
      ->excludes(timestamp);
  CLI::Option* from_dump =
      command->add_option("--from-dump", options->from_dump, "Load this SQL dump into it")
          ->excludes(from_db);
  command
      ->add_option("--from-file", options->from_file, "Load this SQLite database file into it")
      ->excludes(from_db)
      ->excludes(from_dump);
  command->callback([&global, &exit_code, options] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      AdminClient admin(resolved);
      Status created;
      if (!options->from_db.empty()) {
        std::optional<std::string> timestamp;
        if (!options->timestamp.empty()) timestamp = options->timestamp;
        created = admin.Fork(options->from_db, options->name, options->frame, timestamp);
      } else {
        created = admin.Create(options->name);
        const std::string& file = !options->from_dump.empty() ? options->from_dump : options->from_file;
        if (created.ok() && !file.empty()) {
          created = LoadInto(resolved, options->name, file);
          // A database that could not be loaded is not left behind half made.
          if (!created.ok()) (void)admin.Delete(options->name);
        }
      }
      if (!created.ok()) return created;
      std::cout << "Created database " << options->name << " at "
                << DatabaseUrlFor(resolved.server, options->name) << "\n";
      return Status::Ok();
    });
  });
}

void AddList(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  CLI::App* command = db.add_subcommand("list", "List the databases with their size and usage");
  command->callback([&global, &exit_code] {
    exit_code = RunDbCommand(global, [](const GlobalOptions& resolved) -> Status {
    AdminClient admin(resolved);
    auto names = admin.List();
    if (!names.ok()) return names.status();
    std::vector<std::array<std::string, 5>> rows = {
        {"NAME", "SIZE", "ROWS READ", "ROWS WRITTEN", "LAST WRITE"}};
    for (const std::string& name : *names) {
      auto stats = admin.Stats(name);
      if (!stats.ok()) continue;  // deleted meanwhile
      rows.push_back({name, FormatByteSize(Number(*stats, "storage_bytes_used")),
                      std::to_string(Number(*stats, "rows_read_count")),
                      std::to_string(Number(*stats, "rows_written_count")), LastWrite(*stats)});
    }
    std::array<size_t, 5> widths{};
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        // Numbers right-aligned, text left-aligned.
        bool number = i == 2 || i == 3;
        line += number ? fmt::format("{:>{}}", row[i], widths[i]) : fmt::format("{:<{}}", row[i], widths[i]);
        if (i + 1 < row.size()) line += "  ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      std::cout << line << "\n";
    }
    return Status::Ok();
    });
  });
}

void AddShow(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string name;
    bool url = false;
    bool http_url = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = db.add_subcommand("show", "Show a database's URL, size and settings");
  command->add_option("name", options->name, "The database")->required();
  CLI::Option* url = command->add_flag(
      "--url", options->url,
      "Print only the URL that @libsql/client uses for it, as `url` and as `syncUrl`");
  command->add_flag("--http-url", options->http_url, "Print only its HTTP URL (the same URL)")
      ->excludes(url);
  command->callback([&global, &exit_code, options] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      AdminClient admin(resolved);
      auto stats = admin.Stats(options->name);  // also checks that it exists
      if (!stats.ok()) return stats.status();
      std::string database_url = DatabaseUrlFor(resolved.server, options->name);
      if (options->url || options->http_url) {
        std::cout << database_url << "\n";
        return Status::Ok();
      }
      std::cout << "Name:        " << options->name << "\n"
                << "URL:         " << database_url << "\n"
                << "Size:        " << FormatByteSize(Number(*stats, "storage_bytes_used")) << "\n"
                << "Frame:       " << Number(*stats, "replication_index") << "\n"
                << "Last write:  " << LastWrite(*stats) << "\n";
      return Status::Ok();
    });
  });
}

void AddDestroy(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string name;
    bool yes = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = db.add_subcommand("destroy", "Delete a database and its data");
  command->add_option("name", options->name, "The database")->required();
  command->add_flag("-y,--yes", options->yes, "Do not ask (required when not on a terminal)");
  command->callback([&global, &exit_code, options] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      if (!options->yes) {
        if (!isatty(STDIN_FILENO)) {
          return Status::InvalidArgument(fmt::format(
              "refusing to destroy `{}` without confirmation: not on a terminal; pass --yes",
              options->name));
        }
        std::cerr << "Destroy database " << options->name
                  << " and all its data? This cannot be undone. [y/N] " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y" && answer != "yes") {
          return Status::InvalidArgument("not confirmed: nothing was destroyed");
        }
      }
      AdminClient admin(resolved);
      if (Status deleted = admin.Delete(options->name); !deleted.ok()) return deleted;
      std::cout << "Destroyed database " << options->name << "\n";
      return Status::Ok();
    });
  });
}

void AddInspect(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  auto name = std::make_shared<std::string>();
  CLI::App* command =
      db.add_subcommand("inspect", "Show a database's storage, usage, limits and heaviest queries");
  command->add_option("name", *name, "The database")->required();
  command->callback([&global, &exit_code, name] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      AdminClient admin(resolved);
      auto stats = admin.Stats(*name);
      auto config = stats.ok() ? admin.Config(*name) : Result<json::object>(stats.status());
      if (!config.ok()) return config.status();
      uint64_t max_size = Number(*config, "max_db_size");
      auto flag = [&](std::string_view key) {
        const json::value* value = config->if_contains(key);
        return value && value->is_bool() && value->as_bool() ? "yes" : "no";
      };
      std::cout << "Storage\n"
                << "  size:              " << FormatByteSize(Number(*stats, "storage_bytes_used")) << "\n"
                << "  frame:             " << Number(*stats, "replication_index") << "\n"
                << "Usage (since created)\n"
                << "  rows read:         " << Number(*stats, "rows_read_count") << "\n"
                << "  rows written:      " << Number(*stats, "rows_written_count") << "\n"
                << "  statements:        " << Number(*stats, "query_count") << "\n"
                << "  frames replicated: " << Number(*stats, "embedded_replica_frames_replicated")
                << "\n"
                << "  last write:        " << LastWrite(*stats) << "\n"
                << "Limits\n"
                << "  max size:          " << (max_size ? FormatByteSize(max_size) : "none") << "\n"
                << "  reads blocked:     " << flag("block_reads") << "\n"
                << "  writes blocked:    " << flag("block_writes") << "\n";
      if (const json::value* reason = config->if_contains("block_reason");
          reason && reason->is_string()) {
        std::cout << "  block reason:      " << reason->as_string().c_str() << "\n";
      }
      for (auto [key, title] : {std::pair{"top_queries", "Heaviest queries (rows read + written)"},
                                std::pair{"slowest_queries", "Slowest queries"}}) {
        const json::value* list = stats->if_contains(key);
        if (!list || !list->is_array() || list->as_array().empty()) continue;
        std::cout << title << "\n";
        for (const json::value& entry : list->as_array()) {
          if (!entry.is_object()) continue;
          const json::object& query = entry.as_object();
          const json::value* sql = query.if_contains("query");
          std::cout << fmt::format("  {:>8} read {:>8} written", Number(query, "rows_read"),
                                   Number(query, "rows_written"));
          if (query.contains("elapsed_ms")) std::cout << fmt::format(" {:>6} ms", Number(query, "elapsed_ms"));
          std::cout << "  " << (sql && sql->is_string() ? sql->as_string().c_str() : "") << "\n";
        }
      }
      return Status::Ok();
    });
  });
}

void AddImport(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  struct Options {
    std::string name, file;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = db.add_subcommand(
      "import", "Load a SQL dump or a SQLite file into an existing database, in one transaction");
  command->add_option("name", options->name, "The database")->required();
  command->add_option("file", options->file, "A SQL dump, or a SQLite database file")->required();
  command->callback([&global, &exit_code, options] {
    exit_code = RunDbCommand(global, [&](const GlobalOptions& resolved) -> Status {
      if (Status loaded = LoadInto(resolved, options->name, options->file); !loaded.ok()) {
        return loaded;
      }
      std::cout << "Imported " << options->file << " into " << options->name << "\n";
      return Status::Ok();
    });
  });
}

}  // namespace

void AddDbCommands(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  AddCreate(db, global, exit_code);
  AddList(db, global, exit_code);
  AddShow(db, global, exit_code);
  AddDestroy(db, global, exit_code);
  AddInspect(db, global, exit_code);
  AddImport(db, global, exit_code);
  AddDbTransferCommands(db, global, exit_code);
}

}  // namespace edgelite::cli
