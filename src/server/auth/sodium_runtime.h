// One-time libsodium start-up for the auth module. libsodium wants sodium_init() to have run before
// its other functions are used (it picks the fastest implementations for the CPU and seeds its
// random generator); the key parser, the verifier and the token cache all call this first, so the
// order in which the server builds them does not matter.
#pragma once

namespace edgelite::auth {

// Runs sodium_init() once per process, however many threads call this at the same time. Returns
// false if libsodium could not start (it then must not be used).
bool InitializeSodium();

}  // namespace edgelite::auth
