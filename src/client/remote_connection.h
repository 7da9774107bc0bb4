// RemoteConnection: the ConnectionBackend of a remote database, every statement on the server over
// one Hrana stream (HranaRemoteStream). In autocommit a statement costs one round trip that also
// closes the server's stream, as @libsql/client's execute does; a BEGIN keeps the stream, and
// with it the transaction, until the transaction ends.
#pragma once

#include <memory>

#include "client/connection_backend.h"
#include "client/hrana_remote_stream.h"
#include "client/http_client.h"

namespace edgelite::client {

class RemoteConnection : public ConnectionBackend {
 public:
  explicit RemoteConnection(HranaRemoteStream::Options options);

  Result<Rows> Execute(std::string_view sql, const Params& params) override;
  Status ExecuteScript(std::string_view sql) override;
  Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql) override;
  bool is_autocommit() const override { return !stream_->in_transaction(); }
  void Interrupt() override { stream_->Interrupt(); }

 private:
  // Keep the stream when a transaction is open or the statement may open one.
  StreamEnd EndFor(std::string_view sql) const;

  std::unique_ptr<HttpClient> http_;  // before the stream, which uses it until it is destroyed
  std::unique_ptr<HranaRemoteStream> stream_;
};

}  // namespace edgelite::client
