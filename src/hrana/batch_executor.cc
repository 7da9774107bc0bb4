// Batch execution with condition evaluation.
#include "hrana/batch_executor.h"

#include <fmt/format.h>

namespace edgelite::hrana {
namespace {

constexpr int kMaxConditionDepth = 100;

// Evaluates `cond` for step `current`; a RequestFailure for a reference to a step that has not run
// before it, or for a condition the protocol version does not have.
std::variant<bool, RequestFailure> Evaluate(const ExecutionContext& context, const BatchCond& cond,
                                            const BatchResult& results, size_t current,
                                            int depth) {
  if (depth > kMaxConditionDepth) return RequestFailure{400, "Batch condition is nested too deeply"};
  switch (cond.kind) {
    case BatchCond::Kind::kOk:
    case BatchCond::Kind::kError: {
      if (cond.step >= current) {
        return RequestFailure{400, fmt::format("Batch condition of step {} refers to step {}, "
                                               "which does not come before it",
                                               current, cond.step)};
      }
      bool succeeded = results.step_results[cond.step].has_value();
      // sqld quirk kept for compatibility: "error" is true for a skipped step too.
      return cond.kind == BatchCond::Kind::kOk ? succeeded : !succeeded;
    }
    case BatchCond::Kind::kNot: {
      if (cond.conds.size() != 1) return RequestFailure{400, "A \"not\" condition needs one operand"};
      auto inner = Evaluate(context, cond.conds[0], results, current, depth + 1);
      if (auto* value = std::get_if<bool>(&inner)) return !*value;
      return inner;
    }
    case BatchCond::Kind::kAnd:
    case BatchCond::Kind::kOr: {
      bool is_and = cond.kind == BatchCond::Kind::kAnd;
      bool value = is_and;
      // Every operand is evaluated, so a bad step reference is reported even after a short circuit.
      for (const BatchCond& operand : cond.conds) {
        auto inner = Evaluate(context, operand, results, current, depth + 1);
        if (auto* failure = std::get_if<RequestFailure>(&inner)) return *failure;
        value = is_and ? (value && std::get<bool>(inner)) : (value || std::get<bool>(inner));
      }
      return value;
    }
    case BatchCond::Kind::kIsAutocommit:
      if (context.version < kAutocommitSince) {
        return RequestFailure{400, "The is_autocommit condition needs Hrana 2 or later"};
      }
      return StreamInAutocommit(context);
  }
  return RequestFailure{400, "Unknown batch condition"};
}

// Streams one step's rows into cursor entries.
class CursorRows : public RowConsumer {
 public:
  CursorRows(CursorSink* sink, uint32_t step) : sink_(sink), step_(step) {}
  void Columns(const std::vector<Column>& cols) override {
    sink_->Entry(StepBeginEntry{step_, cols});
  }
  void Row(std::vector<Value> row) override { sink_->Entry(RowEntry{std::move(row)}); }

 private:
  CursorSink* sink_;
  uint32_t step_;
};

}  // namespace

BatchOutcome ExecuteBatch(ExecutionContext& context, const Batch& batch, CursorSink* cursor) {
  BatchResult results;
  results.step_results.resize(batch.steps.size());
  results.step_errors.resize(batch.steps.size());
  for (size_t i = 0; i < batch.steps.size(); ++i) {
    const BatchStep& step = batch.steps[i];
    if (step.condition) {
      auto verdict = Evaluate(context, *step.condition, results, i, 0);
      if (auto* failure = std::get_if<RequestFailure>(&verdict)) return *failure;
      if (!std::get<bool>(verdict)) continue;
    }
    CursorRows rows(cursor, uint32_t(i));
    StmtOutcome outcome = ExecuteStmt(context, step.stmt, cursor ? &rows : nullptr);
    if (auto* result = std::get_if<StmtResult>(&outcome)) {
      if (cursor) cursor->Entry(StepEndEntry{result->affected_row_count, result->last_insert_rowid});
      results.step_results[i] = std::move(*result);
    } else if (auto* error = std::get_if<Error>(&outcome)) {
      if (cursor) cursor->Entry(StepErrorEntry{uint32_t(i), *error});
      results.step_errors[i] = std::move(*error);
    } else if (auto* escalation = std::get_if<Escalation>(&outcome)) {
      return *escalation;
    } else {
      return std::get<RequestFailure>(outcome);
    }
  }
  if (context.placement != Placement::kWriterGroup && context.replication_index) {
    results.replication_index = context.replication_index();
  }
  return results;
}

}  // namespace edgelite::hrana
