// replica_example SYNC_URL LOCAL_PATH [AUTH_TOKEN]
//
// Opens an embedded replica of the database at SYNC_URL in the file LOCAL_PATH, makes sure the
// table example_notes exists, inserts one note through the replica (the write goes to the primary
// and comes back before Execute returns), then reads every note from the local file and prints
// them with the replica's sync status.
#include <edgelite/database.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <variant>

namespace {

int Fail(const char* what, const edgelite::Status& status) {
  std::fprintf(stderr, "replica_example: %s: %s\n", what, status.message().c_str());
  return 1;
}

std::string Show(const edgelite::Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) return std::to_string(*real);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (std::holds_alternative<edgelite::Blob>(value)) return "<blob>";
  return "NULL";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s SYNC_URL LOCAL_PATH [AUTH_TOKEN]\n", argv[0]);
    return 2;
  }
  edgelite::OpenOptions options;
  options.sync_url = argv[1];
  options.path = argv[2];
  if (argc == 4) options.auth_token = argv[3];

  auto database = edgelite::Database::Open(options);
  if (!database.ok()) return Fail("cannot open the replica", database.status());
  auto synced = (*database)->Sync();
  if (!synced.ok()) return Fail("cannot sync from the primary", synced.status());
  auto connection = (*database)->Connect();
  if (!connection.ok()) return Fail("cannot connect", connection.status());
  edgelite::Connection& db = **connection;

  auto created =
      db.Execute("CREATE TABLE IF NOT EXISTS example_notes(id INTEGER PRIMARY KEY, body TEXT)");
  if (!created.ok()) return Fail("cannot create example_notes", created.status());
  std::time_t now = std::time(nullptr);
  std::string body = std::string("written by replica_example at ") + std::ctime(&now);
  body.pop_back();  // ctime's newline
  auto inserted = db.Execute("INSERT INTO example_notes(body) VALUES (?)", {body});
  if (!inserted.ok()) return Fail("cannot insert a note", inserted.status());

  auto notes = db.Execute("SELECT id, body FROM example_notes ORDER BY id");
  if (!notes.ok()) return Fail("cannot read the notes", notes.status());
  for (const auto& row : notes->rows) {
    std::printf("%s\t%s\n", Show(row[0]).c_str(), Show(row[1]).c_str());
  }

  edgelite::ReplicaStatus status = (*database)->replica_status();
  std::printf(
      "sync: frame_no %s, primary frame_no %s, lag %llu frames, last error: %s\n",
      status.frame_no ? std::to_string(*status.frame_no).c_str() : "none",
      status.primary_frame_no ? std::to_string(*status.primary_frame_no).c_str() : "unknown",
      static_cast<unsigned long long>(status.frame_lag),
      status.last_error.ok() ? "none" : status.last_error.message().c_str());
  return 0;
}
