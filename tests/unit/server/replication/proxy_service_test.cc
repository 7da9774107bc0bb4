// Writes delegated by embedded replicas (proxy.Proxy over gRPC-web), run against a real database
// through the same routes the HTTP listener calls: results in the shape the libsql client reads,
// transactions that span calls of one client_id and stay invisible to others until committed,
// permission checks, and rollback when a client disconnects or goes idle.
#include "server/replication/proxy_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "protocol/bincode_value.h"
#include "unit/server/auth/jwt_test_support.h"
#include "unit/server/replication/grpc_test_support.h"

namespace edgelite::replication {
namespace {

using namespace std::string_literals;
using server::GrpcCode;
using test::GrpcWebReply;

constexpr std::string_view kExecute = "/proxy.Proxy/Execute";
constexpr std::string_view kClientA = "0c6b5f0e-8a4e-4f5e-9a59-1a2b3c4d5e6f";
constexpr std::string_view kClientB = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

proxy::ProgramReq Program(std::string_view client_id, std::vector<std::string> statements) {
  proxy::ProgramReq request;
  request.set_client_id(std::string(client_id));
  for (std::string& sql : statements) {
    proxy::Query* query = request.mutable_pgm()->add_steps()->mutable_query();
    query->set_stmt(std::move(sql));
    query->mutable_positional();
  }
  return request;
}

Value ValueOf(const proxy::ResultRows& rows, int row, int column) {
  auto decoded = DecodeBincodeValue(rows.rows(row).values(column).data());
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? *decoded : Value(Null{});
}

class ProxyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_ = std::make_unique<test::GrpcRoutesHarness>();
    Expect(kClientA, {"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)"});
  }
  void TearDown() override { harness_.reset(); }

  GrpcWebReply Execute(std::string_view client_id, std::vector<std::string> statements) {
    return harness_->Call(std::string(kExecute), Program(client_id, std::move(statements)));
  }
  // Executes and expects the call itself to succeed.
  proxy::ExecuteResults Expect(std::string_view client_id, std::vector<std::string> statements) {
    GrpcWebReply reply = Execute(client_id, std::move(statements));
    EXPECT_TRUE(reply.status.ok()) << reply.status.message;
    return test::Parse<proxy::ExecuteResults>(reply);
  }
  int64_t Count(std::string_view client_id) {
    proxy::ExecuteResults results = Expect(client_id, {"SELECT count(*) FROM t"});
    return std::get<int64_t>(ValueOf(results.results(0).row(), 0, 0));
  }

  std::unique_ptr<test::GrpcRoutesHarness> harness_;
};

TEST_F(ProxyServiceTest, ExecutesAProgramWithParameters) {
  proxy::ProgramReq request =
      Program(kClientA, {"INSERT INTO t(v) VALUES (?)", "SELECT id, v FROM t"});
  proxy::Query* insert = request.mutable_pgm()->mutable_steps(0)->mutable_query();
  insert->mutable_positional()->add_values()->set_data(EncodeBincodeValue("hello"s));
  GrpcWebReply reply = harness_->Call(std::string(kExecute), request);
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  auto results = test::Parse<proxy::ExecuteResults>(reply);

  ASSERT_EQ(results.results_size(), 2);
  const proxy::ResultRows& inserted = results.results(0).row();
  EXPECT_EQ(inserted.affected_row_count(), 1u);
  EXPECT_EQ(inserted.last_insert_rowid(), 1);
  const proxy::ResultRows& selected = results.results(1).row();
  ASSERT_EQ(selected.column_descriptions_size(), 2);
  EXPECT_EQ(selected.column_descriptions(0).name(), "id");
  EXPECT_EQ(selected.column_descriptions(0).decltype_(), "INTEGER");
  ASSERT_EQ(selected.rows_size(), 1);
  EXPECT_EQ(ValueOf(selected, 0, 0), Value(int64_t{1}));
  EXPECT_EQ(ValueOf(selected, 0, 1), Value("hello"s));
  EXPECT_EQ(results.state(), proxy::INIT);
  EXPECT_TRUE(results.has_current_frame_no());
}

TEST_F(ProxyServiceTest, SqlErrorsComeBackPerStep) {
  proxy::ExecuteResults results = Expect(
      kClientA,
      {"INSERT INTO t(v) VALUES ('x')", "INSERT INTO t(v) VALUES ('x')", "SELECT count(*) FROM t"});
  ASSERT_EQ(results.results_size(), 3);
  ASSERT_TRUE(results.results(1).has_error());
  EXPECT_EQ(results.results(1).error().message(), "UNIQUE constraint failed: t.v");
  // The extended code, as sqld reports it (replicas tell constraint kinds apart by it).
  EXPECT_EQ(results.results(1).error().extended_code(), SQLITE_CONSTRAINT_UNIQUE);
  EXPECT_EQ(ValueOf(results.results(2).row(), 0, 0), Value(int64_t{1}));
}

TEST_F(ProxyServiceTest, TransactionSpansCallsOfOneClient) {
  EXPECT_EQ(Expect(kClientA, {"BEGIN"}).state(), proxy::TXN);
  EXPECT_EQ(Expect(kClientA, {"INSERT INTO t(v) VALUES ('a')"}).state(), proxy::TXN);
  EXPECT_EQ(Count(kClientA), 1);
  EXPECT_EQ(Count(kClientB), 0);  // not committed yet
  EXPECT_EQ(Expect(kClientA, {"COMMIT"}).state(), proxy::INIT);
  EXPECT_EQ(Count(kClientB), 1);
}

TEST_F(ProxyServiceTest, ConditionsGuardSteps) {
  proxy::ProgramReq request =
      Program(kClientA, {"BEGIN", "INSERT INTO t(v) VALUES ('a')", "COMMIT", "ROLLBACK"});
  auto* steps = request.mutable_pgm()->mutable_steps();
  steps->Mutable(1)->mutable_cond()->mutable_ok()->set_step(0);
  steps->Mutable(2)->mutable_cond()->mutable_ok()->set_step(1);
  proxy::Cond* rollback = steps->Mutable(3)->mutable_cond();
  rollback->mutable_not_()->mutable_cond()->mutable_is_autocommit();
  GrpcWebReply reply = harness_->Call(std::string(kExecute), request);
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  auto results = test::Parse<proxy::ExecuteResults>(reply);
  ASSERT_EQ(results.results_size(), 4);
  EXPECT_TRUE(results.results(3).has_row());  // skipped: still one result per step
  EXPECT_EQ(results.state(), proxy::INIT);
  EXPECT_EQ(Count(kClientB), 1);
}

TEST_F(ProxyServiceTest, CallsOfOneClientRunOneAtATimeInOrder) {
  Expect(kClientA, {"BEGIN"});
  std::vector<std::future<server::HttpResponse>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(harness_->Start(harness_->Request(
        std::string(kExecute),
        Program(kClientA, {"INSERT INTO t(v) VALUES ('v" + std::to_string(i) + "')"}))));
  }
  harness_->Run();
  for (auto& call : calls) {
    GrpcWebReply reply = test::Unframe(call.get());
    ASSERT_TRUE(reply.status.ok()) << reply.status.message;
    EXPECT_EQ(test::Parse<proxy::ExecuteResults>(reply).state(), proxy::TXN);
  }
  proxy::ExecuteResults rows = Expect(kClientA, {"SELECT v FROM t ORDER BY id"});
  ASSERT_EQ(rows.results(0).row().rows_size(), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ValueOf(rows.results(0).row(), i, 0), Value("v" + std::to_string(i)));
  }
  Expect(kClientA, {"COMMIT"});
}

TEST_F(ProxyServiceTest, DisconnectRollsBackTheOpenTransaction) {
  Expect(kClientA, {"BEGIN", "INSERT INTO t(v) VALUES ('lost')"});
  proxy::DisconnectMessage disconnect;
  disconnect.set_client_id(std::string(kClientA));
  GrpcWebReply reply = harness_->Call("/proxy.Proxy/Disconnect", disconnect);
  EXPECT_TRUE(reply.status.ok()) << reply.status.message;
  EXPECT_EQ(reply.messages.size(), 1u);  // an Ack
  EXPECT_EQ(harness_->routes().proxy().client_count(), 0u);
  // The writer is free again, and the row is gone.
  Expect(kClientB, {"INSERT INTO t(v) VALUES ('kept')"});
  EXPECT_EQ(Count(kClientB), 1);
}

TEST_F(ProxyServiceTest, IdleClientsAreCollected) {
  Expect(kClientA, {"BEGIN", "INSERT INTO t(v) VALUES ('lost')"});
  Expect(kClientB, {"SELECT 1"});
  EXPECT_EQ(harness_->routes().proxy().client_count(), 2u);
  harness_->routes().proxy().CollectIdle(std::chrono::steady_clock::now());
  EXPECT_EQ(harness_->routes().proxy().client_count(), 2u);  // not idle for 30 s yet
  harness_->routes().proxy().CollectIdle(std::chrono::steady_clock::now() +
                                         std::chrono::seconds(31));
  EXPECT_EQ(harness_->routes().proxy().client_count(), 0u);
  Expect(kClientB, {"INSERT INTO t(v) VALUES ('kept')"});
  EXPECT_EQ(Count(kClientB), 1);
}

TEST_F(ProxyServiceTest, DescribeReportsColumnsAndParameters) {
  proxy::DescribeRequest request;
  request.set_client_id(std::string(kClientA));
  request.set_stmt("SELECT id, v FROM t WHERE id = :id AND v = ?");
  GrpcWebReply reply = harness_->Call("/proxy.Proxy/Describe", request);
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  auto result = test::Parse<proxy::DescribeResult>(reply);
  ASSERT_TRUE(result.has_description());
  const proxy::Description& description = result.description();
  EXPECT_EQ(description.param_count(), 2u);
  ASSERT_EQ(description.param_names_size(), 1);
  EXPECT_EQ(description.param_names(0), ":id");
  ASSERT_EQ(description.column_descriptions_size(), 2);
  EXPECT_EQ(description.column_descriptions(1).name(), "v");
  EXPECT_EQ(description.column_descriptions(1).decltype_(), "TEXT");
}

TEST_F(ProxyServiceTest, DescribeSeesTheClientsOpenTransaction) {
  Expect(kClientA, {"BEGIN", "CREATE TABLE fresh(x INTEGER)"});
  proxy::DescribeRequest request;
  request.set_client_id(std::string(kClientA));
  request.set_stmt("SELECT x FROM fresh");
  GrpcWebReply own = harness_->Call("/proxy.Proxy/Describe", request);
  EXPECT_TRUE(own.status.ok()) << own.status.message;
  request.set_client_id(std::string(kClientB));
  GrpcWebReply other = harness_->Call("/proxy.Proxy/Describe", request);
  // As sqld reports it: PERMISSION_DENIED with SQLite's bare message.
  EXPECT_EQ(other.status.code, GrpcCode::kPermissionDenied);
  EXPECT_EQ(other.status.message, "no such table: fresh");
  Expect(kClientA, {"ROLLBACK"});
}

TEST_F(ProxyServiceTest, MalformedProgramsAreInvalidArguments) {
  proxy::ProgramReq no_params;
  no_params.set_client_id(std::string(kClientA));
  no_params.mutable_pgm()->add_steps()->mutable_query()->set_stmt("SELECT 1");
  GrpcWebReply reply = harness_->Call(std::string(kExecute), no_params);
  EXPECT_EQ(reply.status.code, GrpcCode::kInvalidArgument);

  proxy::ProgramReq no_program;
  no_program.set_client_id(std::string(kClientA));
  EXPECT_EQ(harness_->Call(std::string(kExecute), no_program).status.code,
            GrpcCode::kInvalidArgument);

  EXPECT_EQ(Execute("", {"SELECT 1"}).status.code, GrpcCode::kInvalidArgument);
}

TEST(ProxyServiceAuthTest, ReadOnlyTokenMayReadButNotWrite) {
  auth::test::KeyPair key = auth::test::GenerateKeyPair();
  auth::AuthConfig config;
  config.jwt_key_text = auth::test::Base64Url(auth::test::AsChars(key.public_key));
  test::GrpcRoutesHarness harness(std::move(config));
  std::vector<std::pair<std::string, std::string>> writer = {
      {"x-authorization", "Bearer " + auth::test::SignToken(key, R"({"a":"rw"})")}};
  std::vector<std::pair<std::string, std::string>> reader = {
      {"x-authorization", "Bearer " + auth::test::SignToken(key, R"({"a":"ro"})")}};

  GrpcWebReply created =
      harness.Call(std::string(kExecute), Program(kClientA, {"CREATE TABLE t(x)"}), writer);
  EXPECT_TRUE(created.status.ok()) << created.status.message;
  GrpcWebReply denied =
      harness.Call(std::string(kExecute), Program(kClientB, {"INSERT INTO t VALUES (1)"}), reader);
  EXPECT_EQ(denied.status.code, GrpcCode::kPermissionDenied);
  EXPECT_NE(denied.status.message.find("Write permission"), std::string::npos)
      << denied.status.message;
  GrpcWebReply read =
      harness.Call(std::string(kExecute), Program(kClientB, {"SELECT count(*) FROM t"}), reader);
  EXPECT_TRUE(read.status.ok()) << read.status.message;
}

}  // namespace
}  // namespace edgelite::replication
