// AuthFailure: why a request was not authenticated, as the transports report it. The HTTP layer
// renders it as 401 {"error":"Unauthorized: `<message>`"}, the WebSocket layer as a hello_error
// with `code`, gRPC as UNAUTHENTICATED "AuthError: <message>". Codes and texts are sqld's
// (protocol.md §5.1, §7.3), so clients and scripts that match on them keep working; every failure
// the auth module can produce is made by one of the functions below.
#pragma once

#include <string>

namespace edgelite::auth {

struct AuthFailure {
  std::string code;     // e.g. "AUTH_JWT_INVALID"
  std::string message;  // e.g. "The JWT is invalid"

  bool operator==(const AuthFailure&) const = default;

  // No Authorization (or x-authorization) header on a server that requires one.
  static AuthFailure HeaderNotFound() {
    return {"AUTH_HEADER_NOT_FOUND", "Expected authorization header but none given"};
  }
  // The header is not "<scheme> <token>".
  static AuthFailure HeaderMalformed() {
    return {"AUTH_HEADER_MALFORMED", "Auth string does not conform to '<scheme> <token>' form"};
  }
  // The header has bytes an HTTP header value may not hold.
  static AuthFailure HeaderNotAscii() { return {"AUTH_HEADER_MALFORMED", "Non-ASCII auth header"}; }
  // A JWT server got a scheme other than Bearer.
  static AuthFailure UnsupportedScheme() {
    return {"AUTH_HTTP_HEADER_UNSUPPORTED_SCHEME",
            "The authentication scheme in the `Authorization` HTTP header is not supported"};
  }
  static AuthFailure BasicRejected() {
    return {"AUTH_BASIC_REJECTED", "The `Basic` HTTP authentication credentials were rejected"};
  }
  // A WebSocket hello without a JWT on a JWT server.
  static AuthFailure JwtMissing() {
    return {"AUTH_JWT_MISSING", "Authentication is required but no JWT was specified"};
  }
  // Bad structure, base64, JSON, algorithm, signature or claim types: one text for all of them,
  // as in sqld, whose clients show it verbatim.
  static AuthFailure JwtInvalid() { return {"AUTH_JWT_INVALID", "The JWT is invalid"}; }
  static AuthFailure JwtExpired() { return {"AUTH_JWT_EXPIRED", "The JWT has expired"}; }
  // A token carrying an "aud" claim: sqld's JWT library rejects any audience it was not told to
  // expect, and it is told none.
  static AuthFailure AudienceRejected() {
    return {"AUTH_FAILED",
            "Authentication failed: the JWT has an audience (`aud`) claim, which this server does "
            "not accept"};
  }
};

}  // namespace edgelite::auth
