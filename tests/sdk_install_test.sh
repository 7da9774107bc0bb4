#!/usr/bin/env bash
# The SDK as another project uses it: `cmake --install` into a fresh prefix, then the examples
# configured as a standalone project with find_package(edgelite), built, and run far enough to
# prove they load the installed library (usage message, exit status 2).
# Usage: sdk_install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/edgelite/database.h"
test -f "$work/prefix/include/edgelite.h"
# The public headers include only the standard library and each other.
if grep -rhE '#include [<"]' "$work/prefix/include" | grep -vE '#include <[a-z_]+(\.h)?>|#include "edgelite/' ; then
  echo "a public header includes something outside the standard library" >&2
  exit 1
fi

cmake -S "$source_dir/examples" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" -j 2 >/dev/null
for program in replica_example replica_example_c; do
  # Captured first: `ldd | grep -q` fails under pipefail when grep exits before ldd has written all.
  libraries=$(ldd "$work/build/$program")
  grep -q "$work/prefix/lib.*/libedgelite.so" <<<"$libraries" || {
    echo "$program does not load the installed libedgelite.so:" >&2
    echo "$libraries" >&2
    exit 1
  }
  status=0
  "$work/build/$program" >/dev/null 2>&1 || status=$?
  if [ "$status" -ne 2 ]; then
    echo "$program without arguments exited $status, expected the usage status 2" >&2
    exit 1
  fi
done
echo "sdk install: ok"
