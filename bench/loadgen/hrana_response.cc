// Navigation of pipeline responses with the span-based JSON scanner; messages name the field that
// was missing so a broken server response is easy to diagnose from the benchmark output.
#include "hrana_response.h"

#include "json_scan.h"

namespace edgelite::bench {

ExecuteOutcome ExecuteResultAt(std::string_view body, size_t index) {
  ExecuteOutcome outcome;
  const auto root = json::Root(body);
  const auto results = root ? json::Member(*root, "results") : std::nullopt;
  if (!results) {
    outcome.error = "response has no \"results\" array: " + std::string(body.substr(0, 200));
    return outcome;
  }
  const auto entry = json::Element(*results, index);
  if (!entry) {
    outcome.error = "response has no result #" + std::to_string(index);
    return outcome;
  }
  const auto type_value = json::Member(*entry, "type");
  const auto type = type_value ? json::String(*type_value) : std::nullopt;
  if (type && *type == "error") {
    outcome.server_error = true;
    const auto error = json::Member(*entry, "error");
    const auto message_value = error ? json::Member(*error, "message") : std::nullopt;
    const auto message = message_value ? json::String(*message_value) : std::nullopt;
    outcome.error = message ? *message : std::string(entry->substr(0, 200));
    return outcome;
  }
  if (!type || *type != "ok") {
    outcome.error = "result has no \"type\":\"ok\": " + std::string(entry->substr(0, 200));
    return outcome;
  }
  const auto response = json::Member(*entry, "response");
  const auto result = response ? json::Member(*response, "result") : std::nullopt;
  if (!result) {
    outcome.error = "ok result without response.result: " + std::string(entry->substr(0, 200));
    return outcome;
  }
  outcome.ok = true;
  outcome.result = *result;
  return outcome;
}

std::optional<std::string> BatonOf(std::string_view body) {
  const auto root = json::Root(body);
  const auto baton = root ? json::Member(*root, "baton") : std::nullopt;
  return baton ? json::String(*baton) : std::nullopt;
}

}  // namespace edgelite::bench
