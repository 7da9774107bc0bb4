// Runs one stream request (execute, batch, sequence, describe, store_sql, close_sql,
// get_autocommit) in an ExecutionContext. `close` is the stream's business, not the executor's: the
// caller handles it before getting here. This is the single executor behind every Hrana version and
// encoding.
#pragma once

#include "hrana/execution.h"

namespace edgelite::hrana {

RequestOutcome RunStreamRequest(ExecutionContext& context, const StreamRequest& request);

// True when the request reads or writes the database (and so needs a connection); store_sql,
// close_sql and close only touch the stream.
bool NeedsConnection(const StreamRequest& request);

// Sets the replication index on every result inside `result` (after a group commit, when the index
// of the commit is known).
void StampReplicationIndex(StreamResult& result, uint64_t replication_index);

}  // namespace edgelite::hrana
