// The SDK's remote mode.
#include "client/remote_connection.h"

#include <string>

#include "client/hrana_conversion.h"
#include "sqlite/sql_text.h"

namespace edgelite::client {
namespace {

class RemoteStatement : public StatementBackend {
 public:
  RemoteStatement(RemoteConnection* connection, std::string sql)
      : connection_(connection), sql_(std::move(sql)) {}

  Status Execute(const Params& params, Rows* rows) override {
    return MoveInto(connection_->Execute(sql_, params), rows);
  }

 private:
  RemoteConnection* connection_;
  std::string sql_;
};

}  // namespace

RemoteConnection::RemoteConnection(HranaRemoteStream::Options options)
    : http_(std::make_unique<HttpClient>()),
      stream_(std::make_unique<HranaRemoteStream>(*http_, std::move(options))) {}

StreamEnd RemoteConnection::EndFor(std::string_view sql) const {
  if (stream_->in_transaction()) return StreamEnd::kKeepOpen;
  sqlite::StatementKind kind = sqlite::ClassifyStatement(sql);
  bool opens =
      kind == sqlite::StatementKind::kBegin || kind == sqlite::StatementKind::kBeginImmediate ||
      kind == sqlite::StatementKind::kBeginReadOnly || kind == sqlite::StatementKind::kSavepoint;
  return opens ? StreamEnd::kKeepOpen : StreamEnd::kClose;
}

Result<Rows> RemoteConnection::Execute(std::string_view sql, const Params& params) {
  auto result = stream_->Execute(ToStmt(sql, params), EndFor(sql));
  if (!result.ok()) return result.status();
  return ToRows(std::move(result).value());
}

Status RemoteConnection::ExecuteScript(std::string_view sql) {
  // The script may open a transaction that later calls continue: keep the stream, and close it
  // on the next autocommit statement if no transaction stayed open.
  return stream_->Sequence(sql, StreamEnd::kKeepOpen);
}

Result<std::unique_ptr<StatementBackend>> RemoteConnection::Prepare(std::string_view sql) {
  return std::unique_ptr<StatementBackend>(new RemoteStatement(this, std::string(sql)));
}

}  // namespace edgelite::client
