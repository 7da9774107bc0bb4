// A delegated write must mean the same on edgelite as on sqld: a proxy Program becomes the Hrana
// batch with the same steps, conditions and parameters, and the batch's results come back in the
// shape embedded replicas read (one result per step, errors with SQLite's message and code).
#include "protocol/proxy_translation.h"

#include <gtest/gtest.h>

#include "protocol/bincode_value.h"

namespace edgelite::replication {
namespace {

using namespace std::string_literals;

proxy::Step* AddStep(proxy::Program& program, std::string sql) {
  proxy::Step* step = program.add_steps();
  step->mutable_query()->set_stmt(std::move(sql));
  step->mutable_query()->mutable_positional();
  return step;
}

void AddPositional(proxy::Step* step, const Value& value) {
  step->mutable_query()->mutable_positional()->add_values()->set_data(EncodeBincodeValue(value));
}

std::string ErrorOf(const Result<hrana::Batch>& batch) {
  return batch.ok() ? "" : batch.status().message();
}

TEST(ProxyTranslationTest, StepsBecomeBatchStepsWithTheirParameters) {
  proxy::Program program;
  proxy::Step* insert = AddStep(program, "INSERT INTO t VALUES (?, ?)");
  AddPositional(insert, int64_t{7});
  AddPositional(insert, Blob{"\x01\x02"s});
  insert->mutable_query()->set_skip_rows(true);
  proxy::Step* named = program.add_steps();
  named->mutable_query()->set_stmt("SELECT :a");
  named->mutable_query()->mutable_named()->add_names(":a");
  named->mutable_query()->mutable_named()->add_values()->set_data(EncodeBincodeValue("x"s));

  auto batch = ProgramToBatch(program);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  ASSERT_EQ(batch->steps.size(), 2u);
  const hrana::Stmt& first = batch->steps[0].stmt;
  EXPECT_EQ(first.sql, "INSERT INTO t VALUES (?, ?)");
  EXPECT_FALSE(first.want_rows);
  EXPECT_EQ(first.args, (std::vector<Value>{int64_t{7}, Blob{"\x01\x02"s}}));
  EXPECT_FALSE(batch->steps[0].condition);
  const hrana::Stmt& second = batch->steps[1].stmt;
  EXPECT_TRUE(second.want_rows);
  ASSERT_EQ(second.named_args.size(), 1u);
  EXPECT_EQ(second.named_args[0].name, ":a");
  EXPECT_EQ(second.named_args[0].value, Value("x"s));
}

TEST(ProxyTranslationTest, ConditionsKeepTheirShape) {
  // The program the libsql client sends for a transaction: BEGIN, a statement guarded by ok(0),
  // COMMIT guarded by ok(1), and a ROLLBACK guarded by not(ok(2)) and is_autocommit.
  proxy::Program program;
  AddStep(program, "BEGIN");
  AddStep(program, "INSERT INTO t VALUES (1)")->mutable_cond()->mutable_ok()->set_step(0);
  AddStep(program, "COMMIT")->mutable_cond()->mutable_ok()->set_step(1);
  proxy::Cond* rollback = AddStep(program, "ROLLBACK")->mutable_cond();
  proxy::Cond* negated = rollback->mutable_and_()->add_conds();
  negated->mutable_not_()->mutable_cond()->mutable_ok()->set_step(2);
  rollback->mutable_and_()->add_conds()->mutable_is_autocommit();
  proxy::Cond* either = AddStep(program, "SELECT 1")->mutable_cond();
  either->mutable_or_()->add_conds()->mutable_err()->set_step(1);
  either->mutable_or_()->add_conds()->mutable_ok()->set_step(3);

  auto batch = ProgramToBatch(program);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  using Kind = hrana::BatchCond::Kind;
  ASSERT_TRUE(batch->steps[1].condition);
  EXPECT_EQ(batch->steps[1].condition->kind, Kind::kOk);
  EXPECT_EQ(batch->steps[1].condition->step, 0u);
  const hrana::BatchCond& and_cond = *batch->steps[3].condition;
  EXPECT_EQ(and_cond.kind, Kind::kAnd);
  ASSERT_EQ(and_cond.conds.size(), 2u);
  EXPECT_EQ(and_cond.conds[0].kind, Kind::kNot);
  ASSERT_EQ(and_cond.conds[0].conds.size(), 1u);
  EXPECT_EQ(and_cond.conds[0].conds[0].kind, Kind::kOk);
  EXPECT_EQ(and_cond.conds[0].conds[0].step, 2u);
  EXPECT_EQ(and_cond.conds[1].kind, Kind::kIsAutocommit);
  const hrana::BatchCond& or_cond = *batch->steps[4].condition;
  EXPECT_EQ(or_cond.kind, Kind::kOr);
  ASSERT_EQ(or_cond.conds.size(), 2u);
  EXPECT_EQ(or_cond.conds[0].kind, Kind::kError);
  EXPECT_EQ(or_cond.conds[0].step, 1u);
}

TEST(ProxyTranslationTest, RefusesProgramsSqldRefuses) {
  {
    proxy::Program program;
    program.add_steps();
    EXPECT_EQ(ErrorOf(ProgramToBatch(program)), "step 0: the step has no query");
  }
  {
    proxy::Program program;
    AddStep(program, "SELECT 1");
    program.add_steps()->mutable_query()->set_stmt("SELECT 2");  // no params at all
    EXPECT_NE(ErrorOf(ProgramToBatch(program)).find("step 1: missing params"), std::string::npos);
  }
  {
    proxy::Program program;
    AddStep(program, "SELECT 1")->mutable_cond();
    EXPECT_NE(ErrorOf(ProgramToBatch(program)).find("invalid condition"), std::string::npos);
  }
  {
    proxy::Program program;
    AddStep(program, "SELECT 1")->mutable_cond()->mutable_not_();
    EXPECT_NE(ErrorOf(ProgramToBatch(program)).find("empty `not` condition"), std::string::npos);
  }
  {
    proxy::Program program;
    AddStep(program, "SELECT 1")->mutable_cond()->mutable_ok()->set_step(-1);
    EXPECT_NE(ErrorOf(ProgramToBatch(program)).find("refers to step -1"), std::string::npos);
  }
  {
    proxy::Program program;
    proxy::Step* step = AddStep(program, "SELECT ?");
    step->mutable_query()->mutable_positional()->add_values()->set_data("\x09\x00\x00\x00"s);
    EXPECT_EQ(ErrorOf(ProgramToBatch(program)),
              "step 0: parameter 1: bincode value: unknown variant tag 9 (expected 0 to 4)");
  }
  {
    proxy::Program program;
    proxy::Step* step = program.add_steps();
    step->mutable_query()->set_stmt("SELECT :a");
    step->mutable_query()->mutable_named()->add_names(":a");
    EXPECT_EQ(ErrorOf(ProgramToBatch(program)), "step 0: named parameters: 1 names but 0 values");
  }
}

TEST(ProxyTranslationTest, ResultsHaveOneEntryPerStep) {
  hrana::BatchResult result;
  hrana::StmtResult rows;
  rows.cols = {hrana::Column{"id", "INTEGER"}, hrana::Column{"v", std::nullopt}};
  rows.rows = {{int64_t{1}, "a"s}, {int64_t{2}, Null{}}};
  hrana::StmtResult insert;
  insert.affected_row_count = 1;
  insert.last_insert_rowid = 42;
  result.step_results = {rows, std::nullopt, insert, std::nullopt};
  result.step_errors = {
      std::nullopt, std::nullopt, std::nullopt,
      hrana::Error{"SQLite error: UNIQUE constraint failed: t.v", "SQLITE_CONSTRAINT"}};
  result.replication_index = 17;

  proxy::ExecuteResults out = ToExecuteResults(result, /*in_transaction=*/true);
  EXPECT_EQ(out.state(), proxy::TXN);
  ASSERT_TRUE(out.has_current_frame_no());
  EXPECT_EQ(out.current_frame_no(), 17u);
  ASSERT_EQ(out.results_size(), 4);

  ASSERT_TRUE(out.results(0).has_row());
  const proxy::ResultRows& selected = out.results(0).row();
  ASSERT_EQ(selected.column_descriptions_size(), 2);
  EXPECT_EQ(selected.column_descriptions(0).name(), "id");
  EXPECT_EQ(selected.column_descriptions(0).decltype_(), "INTEGER");
  EXPECT_FALSE(selected.column_descriptions(1).has_decltype_());
  ASSERT_EQ(selected.rows_size(), 2);
  EXPECT_EQ(*DecodeBincodeValue(selected.rows(0).values(1).data()), Value("a"s));
  EXPECT_EQ(*DecodeBincodeValue(selected.rows(1).values(1).data()), Value(Null{}));
  EXPECT_FALSE(selected.has_last_insert_rowid());

  // A skipped step still has its (empty) result, so indexes line up with the program.
  ASSERT_TRUE(out.results(1).has_row());
  EXPECT_EQ(out.results(1).row().column_descriptions_size(), 0);
  EXPECT_EQ(out.results(1).row().affected_row_count(), 0u);

  EXPECT_EQ(out.results(2).row().affected_row_count(), 1u);
  EXPECT_EQ(out.results(2).row().last_insert_rowid(), 42);

  ASSERT_TRUE(out.results(3).has_error());
  EXPECT_EQ(out.results(3).error().message(), "UNIQUE constraint failed: t.v");
  EXPECT_EQ(out.results(3).error().code(), proxy::Error::INTERNAL);
  EXPECT_EQ(out.results(3).error().extended_code(), 19);  // SQLITE_CONSTRAINT

  EXPECT_EQ(ToExecuteResults(hrana::BatchResult{}, false).state(), proxy::INIT);
}

TEST(ProxyTranslationTest, ErrorsCarrySqldsCodes) {
  proxy::Error unknown = ToProxyError({"SQLite error: no such table: nope", "SQLITE_UNKNOWN"});
  EXPECT_EQ(unknown.message(), "no such table: nope");
  EXPECT_EQ(unknown.extended_code(), 1);  // SQLITE_ERROR
  proxy::Error arguments = ToProxyError({"Missing argument", "ARGS_INVALID"});
  EXPECT_EQ(arguments.code(), proxy::Error::SQL_ERROR);
  EXPECT_EQ(arguments.extended_code(), 0);
  proxy::Error parse = ToProxyError({"SQL string could not be parsed: x", "SQL_PARSE_ERROR"});
  EXPECT_EQ(parse.code(), proxy::Error::INTERNAL);
  EXPECT_EQ(parse.message(), "SQL string could not be parsed: x");
  EXPECT_EQ(parse.extended_code(), 0);
}

TEST(ProxyTranslationTest, MessagesLoseTheHranaWrapping) {
  EXPECT_EQ(SqliteMessageOf({"SQLite error: no such table: nope", "SQLITE_UNKNOWN"}),
            "no such table: nope");
  EXPECT_EQ(
      SqliteMessageOf({"SQL input error: no such table: nope (at offset 14)", "SQL_INPUT_ERROR"}),
      "no such table: nope");
  EXPECT_EQ(SqliteMessageOf({"Response is too large", "RESPONSE_TOO_LARGE"}),
            "Response is too large");
}

TEST(ProxyTranslationTest, DescriptionListsNamedParamsAndCountsAll) {
  hrana::DescribeResult described;
  described.params = {hrana::DescribeParam{":a"}, hrana::DescribeParam{std::nullopt},
                      hrana::DescribeParam{"$b"}};
  described.cols = {hrana::DescribeColumn{"x", "TEXT"}, hrana::DescribeColumn{"y", std::nullopt}};
  proxy::Description out = ToDescription(described);
  EXPECT_EQ(out.param_count(), 3u);
  ASSERT_EQ(out.param_names_size(), 2);
  EXPECT_EQ(out.param_names(0), ":a");
  EXPECT_EQ(out.param_names(1), "$b");
  ASSERT_EQ(out.column_descriptions_size(), 2);
  EXPECT_EQ(out.column_descriptions(0).decltype_(), "TEXT");
  EXPECT_FALSE(out.column_descriptions(1).has_decltype_());
}

}  // namespace
}  // namespace edgelite::replication
