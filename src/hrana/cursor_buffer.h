// CursorBuffer: a cursor whose entries are collected in memory while its batch runs, for the
// transports that send them only once the batch is final (HTTP `/v3/cursor`, WebSocket
// `open_cursor`). A batch may run more than once (first on a reader, then on the writer; again
// after a failed group commit) and only the last run counts, so no entry can leave before the run
// that produced it is known to be the last.
#pragma once

#include <vector>

#include "hrana/batch_executor.h"

namespace edgelite::hrana {

// The outcome of a batch as a stream request's: a `batch` response, or what stopped it.
RequestOutcome FromBatchOutcome(BatchOutcome outcome);

class CursorBuffer : public CursorSink {
 public:
  void Entry(CursorEntry entry) override { entries.push_back(std::move(entry)); }

  // Runs `batch` into this buffer, dropping what an earlier run of it left behind.
  RequestOutcome Run(ExecutionContext& context, const Batch& batch);

  std::vector<CursorEntry> entries;
};

}  // namespace edgelite::hrana
