// One-time libsodium start-up (see sodium_runtime.h).
#include "server/auth/sodium_runtime.h"

#include <sodium.h>

namespace edgelite::auth {

bool InitializeSodium() {
  // A function-local static is initialized exactly once even under concurrent first calls, and
  // later calls cost one load instead of the lock sodium_init() takes internally.
  static const bool initialized = sodium_init() >= 0;
  return initialized;
}

}  // namespace edgelite::auth
