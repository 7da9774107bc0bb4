// Translation between the legacy API and the batch executor.
#include "hrana/legacy.h"

namespace edgelite::hrana {

Batch LegacyToBatch(const LegacyRequest& request) {
  Batch batch;
  for (size_t i = 0; i < request.statements.size(); ++i) {
    const LegacyStatement& statement = request.statements[i];
    BatchStep step;
    if (i > 0) step.condition = BatchCond{BatchCond::Kind::kOk, uint32_t(i - 1), {}};
    step.stmt.sql = statement.sql;
    step.stmt.args = statement.positional_params;
    step.stmt.named_args = statement.named_params;
    batch.steps.push_back(std::move(step));
  }
  if (!request.statements.empty()) {
    BatchStep rollback;
    BatchCond last_ok{BatchCond::Kind::kOk, uint32_t(request.statements.size() - 1), {}};
    rollback.condition = BatchCond{BatchCond::Kind::kNot, 0, {last_ok}};
    rollback.stmt.sql = "ROLLBACK";
    batch.steps.push_back(std::move(rollback));
  }
  batch.replication_index = request.replication_index;
  return batch;
}

std::vector<LegacyStatementOutcome> LegacyOutcomes(const BatchResult& result,
                                                   size_t statement_count) {
  std::vector<LegacyStatementOutcome> outcomes(statement_count);
  for (size_t i = 0; i < statement_count && i < result.step_results.size(); ++i) {
    if (const auto& stmt_result = result.step_results[i]) {
      LegacyResult legacy;
      for (const Column& column : stmt_result->cols) legacy.columns.push_back(column.name.value_or(""));
      legacy.rows = stmt_result->rows;
      legacy.rows_read = stmt_result->rows_read;
      legacy.rows_written = stmt_result->rows_written;
      legacy.query_duration_ms = stmt_result->query_duration_ms;
      outcomes[i] = std::move(legacy);
    } else if (const auto& error = result.step_errors[i]) {
      outcomes[i] = error->message;
    }
  }
  return outcomes;
}

}  // namespace edgelite::hrana
