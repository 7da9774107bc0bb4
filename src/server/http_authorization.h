// AuthorizeRead: who an HTTP request's caller is and whether they may read a namespace, answered
// as sqld answers the user API: a missing or bad token is 401 `Unauthorized: ...`, and a caller
// without Read permission is told the namespace does not exist (404), so that names do not leak.
#pragma once

#include <string_view>
#include <variant>

#include "server/auth/authenticator.h"
#include "server/http_message.h"

namespace edgelite::server {

// The caller's grant, or the response refusing them. Reads the Authorization header (or sqld's
// x-authorization).
std::variant<auth::Grant, HttpResponse> AuthorizeRead(const HttpRequest& request,
                                                      const auth::Authenticator& authenticator,
                                                      std::string_view namespace_name);

}  // namespace edgelite::server
