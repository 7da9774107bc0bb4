// Buffered cursor runs.
#include "hrana/cursor_buffer.h"

namespace edgelite::hrana {

RequestOutcome FromBatchOutcome(BatchOutcome outcome) {
  if (auto* result = std::get_if<BatchResult>(&outcome)) {
    return StreamResult(StreamResponse(BatchResponse{std::move(*result)}));
  }
  if (auto* escalation = std::get_if<Escalation>(&outcome)) return *escalation;
  return std::get<RequestFailure>(outcome);
}

RequestOutcome CursorBuffer::Run(ExecutionContext& context, const Batch& batch) {
  entries.clear();
  return FromBatchOutcome(ExecuteBatch(context, batch, this));
}

}  // namespace edgelite::hrana
