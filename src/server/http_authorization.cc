// The header, the grant, and sqld's refusals.
#include "server/http_authorization.h"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "hrana/json_codec.h"

namespace edgelite::server {

std::variant<auth::Grant, HttpResponse> AuthorizeRead(const HttpRequest& request,
                                                      const auth::Authenticator& authenticator,
                                                      std::string_view namespace_name) {
  const std::string* authorization = request.Header("authorization");
  if (!authorization) authorization = request.Header("x-authorization");
  auth::AuthOutcome outcome = authenticator.AuthenticateHeader(
      authorization ? std::optional<std::string_view>(*authorization) : std::nullopt);
  if (auto* failure = std::get_if<auth::AuthFailure>(&outcome)) {
    return HttpResponse::Json(
        401, hrana::json::EncodeRequestError(fmt::format("Unauthorized: `{}`", failure->message)));
  }
  auth::Grant& grant = std::get<auth::Grant>(outcome);
  if (!grant.Allows(auth::Permission::kRead, namespace_name)) {
    return HttpResponse::Json(404, hrana::json::EncodeRequestError(fmt::format(
                                       "Namespace `{}` doesn't exist", namespace_name)));
  }
  return std::move(grant);
}

}  // namespace edgelite::server
