// libedgelite.so is made of the SDK's static module, taken whole (see src/CMakeLists.txt); a shared
// library target needs at least one source of its own, and this is it.
