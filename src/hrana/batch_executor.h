// Runs a Hrana batch: steps in order, each guarded by an optional condition over the outcomes of
// earlier steps (docs/protocol.md §3.4). Used by `batch` requests and by cursors.
#pragma once

#include <variant>

#include "hrana/execution.h"
#include "hrana/stmt_executor.h"

namespace edgelite::hrana {

// Receives a cursor's entries as the batch runs. Without one, results go into the BatchResult.
class CursorSink {
 public:
  virtual ~CursorSink() = default;
  virtual void Entry(CursorEntry entry) = 0;
};

using BatchOutcome = std::variant<BatchResult, Escalation, RequestFailure>;

BatchOutcome ExecuteBatch(ExecutionContext& context, const Batch& batch,
                          CursorSink* cursor = nullptr);

}  // namespace edgelite::hrana
